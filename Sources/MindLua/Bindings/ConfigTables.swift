import MindVis

/// Lua option tables as `ConfigValue` maps, so configs are validated (types, ranges, unknown keys with the
/// closest valid name) by the same `ConfigReader` code that reads checkpoints' JSON.
enum ConfigTables {
    /// A whole table of settings (`mv.models.MAE{...}`, `mv.data.GOD{...}`).
    static func values(_ value: LuaValue, function: String) throws -> [String: ConfigValue] {
        switch value {
        case .nil: return [:]
        case .table(let entries):
            var out: [String: ConfigValue] = [:]
            for entry in entries {
                guard case .string(let key) = entry.key else {
                    throw LuaBindingError("\(function): settings are named (key = value), got key \(entry.key)")
                }
                out[key] = try configValue(entry.value, key: key, function: function)
            }
            return out
        case .array(let items) where items.isEmpty: return [:]
        default: throw LuaBindingError("\(function): expected a table of settings, got \(value)")
        }
    }

    /// The listed settings of an options table that also holds objects and callbacks.
    static func values(_ options: LuaOptions, keys: [String], function: String) throws -> [String: ConfigValue] {
        var out: [String: ConfigValue] = [:]
        for key in keys where options.has(key) {
            out[key] = try configValue(try options.value(key), key: key, function: function)
        }
        return out
    }

    static func configValue(_ value: LuaValue, key: String, function: String) throws -> ConfigValue {
        switch value {
        case .boolean(let b): return .bool(b)
        case .integer(let i): return .int(i)
        case .number(let d): return .double(d)
        case .string(let s): return .string(s)
        case .array(let items): return .list(try items.map { try configValue($0, key: key, function: function) })
        case .table: return .table(try values(value, function: function).sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
        default: throw LuaBindingError("\(function): setting '\(key)' must be a number, string, boolean, list or table, got \(value)")
        }
    }

    /// A config as a Lua table (for `model.config`, run summaries).
    static func table(_ pairs: [(String, ConfigValue)]) -> LuaValue {
        .table(pairs.map { LuaTableEntry(key: .string($0.0), value: luaValue($0.1)) })
    }

    static func luaValue(_ v: ConfigValue) -> LuaValue {
        switch v {
        case .int(let i): return .integer(i)
        case .double(let d): return .number(d)
        case .bool(let b): return .boolean(b)
        case .string(let s): return .string(s)
        case .list(let items): return .array(items.map(luaValue))
        case .table(let pairs): return table(pairs)
        }
    }
}
