import MindVis

/// Help for a binding configured by a key table (`mv.models.MAE{...}`, `mv.data.GOD{...}`): the keys and their
/// defaults come from the configuration's own reading code (`ConfigKeys.recorded`), the meaning of each from
/// `meanings`. A key the code reads without a meaning here stops every interpreter from starting, so new keys
/// cannot go undocumented and documented keys cannot be stale.
enum ConfigHelp {
    /// `nested` names keys holding a table of their own settings (the VQ's `ddconfig`): their keys are listed as
    /// `ddconfig.ch = 64` and need meanings under that dotted name.
    /// `leading` documents options the binding handles itself (model =, data =, output =, ...), listed first as
    /// (name, default as Lua, meaning).
    static func text(signature: String, summary: String, reading build: @escaping ([String: ConfigValue]) throws -> Void,
                     meanings: [String: String], nested: [String] = [], leading: [(String, String, String)] = [],
                     notes: [String] = [], presets: [String] = [], name: String) throws -> String {
        // The configuration's own keys: those its first reader asks for (nested readers have contexts of their own).
        let recorded = ConfigKeys.recorded { try build([:]) }
        guard let outerContext = recorded.first?.context else { throw LuaBindingError("help of \(name): the configuration reads no keys") }
        var keys = recorded.filter { $0.context == outerContext }
        for table in nested {
            let inner = ConfigKeys.recorded { try build([table: .table([])]) }.filter { $0.context != outerContext }
            keys += inner.map { ConfigKeys.Key(name: table + "." + $0.name, fallback: $0.fallback, context: $0.context) }
        }
        var lines = [signature, summary] + leading.map { "\($0.0) = \($0.1)  -- \($0.2)" }
        for key in keys {
            guard let meaning = meanings[key.name] else {
                throw LuaBindingError("help of \(name): key '\(key.name)' has no meaning in its help table")
            }
            lines.append("\(key.name) = \(key.fallback.map(luaLiteral) ?? "nil")  -- \(meaning)")
        }
        let stale = Set(meanings.keys).subtracting(keys.map(\.name))
        guard stale.isEmpty else {
            throw LuaBindingError("help of \(name): documents keys the configuration does not read: \(stale.sorted().joined(separator: ", "))")
        }
        // The table shows the default preset's values; each other preset's own values are listed after it.
        for preset in presets {
            let fallbacks = Dictionary(keys.map { ($0.name, $0.fallback) }, uniquingKeysWith: { a, _ in a })
            let changed = ConfigKeys.recorded { try build(["preset": .string(preset)]) }
                .filter { key in key.context == outerContext && key.name != "preset" && fallbacks[key.name].map { $0 != key.fallback } == true }
            guard !changed.isEmpty else { continue }
            lines.append("preset = \"\(preset)\" has its own defaults: " + changed.map { "\($0.name) = \($0.fallback.map(luaLiteral) ?? "nil")" }.joined(separator: ", ") + ".")
        }
        return (lines + notes).joined(separator: "\n")
    }

    /// A default as Lua source: `16`, `0.75`, `true`, `"VC"`, `{1, 2, 4}`.
    static func luaLiteral(_ value: ConfigValue) -> String {
        switch value {
        case .string(let s): return "\"\(s)\""
        case .list(let items): return "{" + items.map(luaLiteral).joined(separator: ", ") + "}"
        default: return value.json
        }
    }
}
