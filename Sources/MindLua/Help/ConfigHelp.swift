import MindVis

/// Help for a binding configured by a key table (`mv.models.MAE{...}`, `mv.data.GOD{...}`): the keys and their
/// defaults come from the configuration's own reading code (`ConfigKeys.recorded`), the meaning of each from
/// `meanings`. A key the code reads without a meaning here stops every interpreter from starting, so new keys
/// cannot go undocumented and documented keys cannot be stale.
enum ConfigHelp {
    static func text(signature: String, summary: String, reading build: @escaping ([String: ConfigValue]) throws -> Void,
                     meanings: [String: String], notes: [String] = [], name: String) throws -> String {
        let keys = ConfigKeys.recorded { try build([:]) }
        guard !keys.isEmpty else { throw LuaBindingError("help of \(name): the configuration reads no keys") }
        var lines = [signature, summary]
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
