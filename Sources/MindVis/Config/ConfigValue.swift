/// A configuration value as it arrives from Lua tables, JSON metadata or command lines.
public enum ConfigValue: Equatable, Sendable {
    case int(Int)
    case double(Double)
    case bool(Bool)
    case string(String)
    case list([ConfigValue])

    var typeName: String {
        switch self {
        case .int: "integer"
        case .double: "number"
        case .bool: "boolean"
        case .string: "string"
        case .list: "list"
        }
    }

    /// JSON text of this value (configs travel in safetensors metadata as JSON).
    public var json: String {
        switch self {
        case .int(let v): String(v)
        case .double(let v): v.isFinite ? String(v) : "null"
        case .bool(let v): v ? "true" : "false"
        case .string(let v): "\"" + v.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        case .list(let vs): "[" + vs.map(\.json).joined(separator: ", ") + "]"
        }
    }
}

/// Levenshtein distance, for "did you mean ...?" suggestions on misspelled keys.
public func editDistance(_ a: String, _ b: String) -> Int {
    let x = Array(a), y = Array(b)
    if x.isEmpty || y.isEmpty { return Swift.max(x.count, y.count) }
    var previous = Array(0...y.count), current = [Int](repeating: 0, count: y.count + 1)
    for i in 1...x.count {
        current[0] = i
        for j in 1...y.count {
            current[j] = Swift.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1))
        }
        swap(&previous, &current)
    }
    return previous[y.count]
}

/// The valid name closest to `key`, if it is plausibly a typo of it.
public func closestName(to key: String, in candidates: [String]) -> String? {
    let scored = candidates.map { ($0, editDistance(key.lowercased(), $0.lowercased())) }
    guard let best = scored.min(by: { $0.1 < $1.1 }) else { return nil }
    return best.1 <= Swift.max(2, key.count / 3) ? best.0 : nil
}
