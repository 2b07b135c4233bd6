import MindIO
import MindTensor

/// Configs travel as JSON objects (checkpoint metadata, metrics): written in key order, read back
/// into `ConfigValue`s with MindIO's strict JSON reader (null, which stands for NaN, as NaN; ±1e999 as ±infinity).
public enum ConfigJSON {
    public static func encode(_ pairs: [(String, ConfigValue)]) -> String {
        ConfigValue.table(pairs).json
    }

    public static func decode(_ text: String, context: String) throws -> [String: ConfigValue] {
        guard case .object(let members) = try JSONValue.parse(text, context: context) else {
            throw TensorError("\(context): expected a JSON object, got \(text.prefix(80))")
        }
        var out: [String: ConfigValue] = [:]
        for (k, v) in members { out[k] = try value(v, key: k, context: context) }
        return out
    }

    static func value(_ v: JSONValue, key: String, context: String) throws -> ConfigValue {
        switch v {
        case .bool(let b): return .bool(b)
        case .string(let s): return .string(s)
        case .number(let text):
            if let i = Int(text) { return .int(i) }
            guard let d = Double(text) else { throw TensorError("\(context): '\(key)' has a malformed number \(text)") }
            return .double(d)
        case .array(let items): return .list(try items.map { try value($0, key: key, context: context) })
        case .object(let members): return .table(try members.map { ($0.key, try value($0.value, key: "\(key).\($0.key)", context: context)) })
        // JSON has no NaN: `ConfigValue.json` writes it as null (a diverged run's loss), so null reads back as NaN,
        // which every config key that needs a number refuses by name.
        case .null: return .double(.nan)
        }
    }
}
