import MindIO

/// A configuration value as it arrives from Lua tables, JSON metadata or command lines.
public enum ConfigValue: Equatable, Sendable {
    case int(Int)
    case double(Double)
    case bool(Bool)
    case string(String)
    case list([ConfigValue])
    /// A nested group of settings (the VQ model's `ddconfig`), keys in the order given.
    case table([(String, ConfigValue)])

    public static func == (a: ConfigValue, b: ConfigValue) -> Bool {
        switch (a, b) {
        case (.int(let x), .int(let y)): x == y
        case (.double(let x), .double(let y)): x == y
        case (.bool(let x), .bool(let y)): x == y
        case (.string(let x), .string(let y)): x == y
        case (.list(let x), .list(let y)): x == y
        case (.table(let x), .table(let y)): x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: false
        }
    }

    var typeName: String {
        switch self {
        case .int: "integer"
        case .double: "number"
        case .bool: "boolean"
        case .string: "string"
        case .list: "list"
        case .table: "table"
        }
    }

    /// JSON text of this value (configs travel in safetensors metadata as JSON). JSON has no NaN or infinity: NaN is
    /// written as null, ±infinity as ±1e999, a valid number that JSON readers (ours, Python's, JavaScript's) take as
    /// infinity, so a diverged loss of inf does not come back as NaN.
    public var json: String { text { $0.isNaN ? "null" : $0 < 0 ? "-1e999" : "1e999" } }

    /// The value as people read it (the report's config table, error messages): its JSON text, but a number JSON
    /// cannot hold reads nan, inf or -inf instead of null.
    public var shown: String { text { $0.isNaN ? "nan" : $0 < 0 ? "-inf" : "inf" } }

    private func text(nonFinite: (Double) -> String) -> String {
        switch self {
        case .int(let v): String(v)
        case .double(let v): v.isFinite ? String(v) : nonFinite(v)
        case .bool(let v): v ? "true" : "false"
        case .string(let v): JSONValue.quoted(v)
        case .list(let vs): "[" + vs.map { $0.text(nonFinite: nonFinite) }.joined(separator: ", ") + "]"
        case .table(let pairs): "{" + pairs.map { JSONValue.quoted($0.0) + ": " + $0.1.text(nonFinite: nonFinite) }.joined(separator: ", ") + "}"
        }
    }
}
