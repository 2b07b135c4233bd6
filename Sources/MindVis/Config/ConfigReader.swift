import Foundation
import MindTensor

/// Reads typed settings out of a key -> value map, remembering which keys were asked for, so that
/// `finish()` can reject every other key as unknown — with the closest valid name as a suggestion.
public struct ConfigReader {
    let values: [String: ConfigValue]
    let context: String
    private(set) var known: [String] = []

    public init(_ values: [String: ConfigValue], context: String) {
        self.values = values
        self.context = context
    }

    private mutating func lookup(_ key: String, fallback: ConfigValue?) -> ConfigValue? {
        known.append(key)
        ConfigKeys.note(key, fallback: fallback, context: context)
        return values[key]
    }

    private func typeError(_ key: String, _ expected: String, _ got: ConfigValue) -> TensorError {
        // JSON has no NaN or infinity (they print as null): name them as Lua and Python do.
        if case .double(let x) = got, !x.isFinite { return TensorError("\(context): '\(key)' must be \(expected), got \(x.isNaN ? "nan" : x > 0 ? "inf" : "-inf")") }
        return TensorError("\(context): '\(key)' must be \(expected), got \(got.typeName) \(got.shown)")
    }

    public mutating func int(_ key: String, _ fallback: Int, range: ClosedRange<Int>? = nil) throws -> Int {
        guard let v = lookup(key, fallback: .int(fallback)) else { return fallback }
        guard let n = ConfigReader.integer(v) else { throw typeError(key, "an integer", v) }
        if let range, !range.contains(n) {
            throw TensorError("\(context): '\(key)' must be in \(range.lowerBound)...\(range.upperBound), got \(n)")
        }
        return n
    }

    public mutating func double(_ key: String, _ fallback: Double, range: ClosedRange<Double>? = nil) throws -> Double {
        guard let v = lookup(key, fallback: .double(fallback)) else { return fallback }
        let d: Double
        switch v {
        case .int(let i): d = Double(i)
        case .double(let x) where x.isFinite: d = x
        default: throw typeError(key, "a finite number", v)
        }
        if let range, !range.contains(d) {
            throw TensorError("\(context): '\(key)' must be in \(range.lowerBound)...\(range.upperBound), got \(d)")
        }
        return d
    }

    public mutating func bool(_ key: String, _ fallback: Bool) throws -> Bool {
        guard let v = lookup(key, fallback: .bool(fallback)) else { return fallback }
        guard case .bool(let b) = v else { throw typeError(key, "a boolean", v) }
        return b
    }

    public mutating func string(_ key: String, _ fallback: String, allowed: [String]? = nil) throws -> String {
        guard let v = lookup(key, fallback: .string(fallback)) else { return fallback }
        guard case .string(let s) = v else { throw typeError(key, "a string", v) }
        if let allowed, !allowed.contains(s) {
            throw TensorError("\(context): '\(key)' must be one of \(allowed.joined(separator: ", ")), got '\(s)'")
        }
        return s
    }

    public mutating func optionalString(_ key: String) throws -> String? {
        guard let v = lookup(key, fallback: nil) else { return nil }
        guard case .string(let s) = v else { throw typeError(key, "a string", v) }
        return s
    }

    public mutating func intList(_ key: String, _ fallback: [Int]?) throws -> [Int]? {
        guard let v = lookup(key, fallback: fallback.map { .list($0.map(ConfigValue.int)) }) else { return fallback }
        guard case .list(let items) = v else { throw typeError(key, "a list of integers", v) }
        return try items.map { item in
            guard let i = ConfigReader.integer(item) else { throw typeError(key, "a list of integers", v) }
            return i
        }
    }

    /// An integer, or a float with an integer value (Lua numbers read from JSON); nil otherwise.
    private static func integer(_ item: ConfigValue) -> Int? {
        switch item {
        case .int(let i): return i
        case .double(let d) where d.rounded() == d && Swift.abs(d) < 1e15: return Int(d)
        default: return nil
        }
    }

    /// A list of integer lists (`{{1, 2}, {3, 4}}`); nil when absent.
    public mutating func intLists(_ key: String) throws -> [[Int]]? {
        guard let v = lookup(key, fallback: nil) else { return nil }
        guard case .list(let rows) = v else { throw typeError(key, "a list of integer lists", v) }
        return try rows.map { row in
            guard case .list(let items) = row else { throw typeError(key, "a list of integer lists", v) }
            return try items.map { item in
                guard let i = ConfigReader.integer(item) else { throw typeError(key, "a list of integer lists", v) }
                return i
            }
        }
    }

    public mutating func doubleList(_ key: String, _ fallback: [Double]) throws -> [Double] {
        guard let v = lookup(key, fallback: .list(fallback.map(ConfigValue.double))) else { return fallback }
        guard case .list(let items) = v else { throw typeError(key, "a list of numbers", v) }
        return try items.map { item in
            switch item {
            case .int(let i): return Double(i)
            case .double(let d) where d.isFinite: return d
            default: throw typeError(key, "a list of numbers", v)
            }
        }
    }

    /// A nested group of settings (`ddconfig = {...}`) as a map for its own reader; nil when absent.
    public mutating func table(_ key: String) throws -> [String: ConfigValue]? {
        guard let v = lookup(key, fallback: nil) else { return nil }
        guard case .table(let pairs) = v else { throw typeError(key, "a table of settings", v) }
        return Dictionary(pairs, uniquingKeysWith: { _, last in last })
    }

    public mutating func stringList(_ key: String, _ fallback: [String]) throws -> [String] {
        guard let v = lookup(key, fallback: .list(fallback.map(ConfigValue.string))) else { return fallback }
        if case .string(let s) = v { return [s] }
        guard case .list(let items) = v else { throw typeError(key, "a list of strings", v) }
        return try items.map { item in
            guard case .string(let s) = item else { throw typeError(key, "a list of strings", v) }
            return s
        }
    }

    /// Rejects keys nobody asked for: `MAE: unknown key 'embed_dims' (did you mean 'embed_dim'?)`.
    public func finish() throws {
        for key in values.keys.sorted() where !known.contains(key) {
            let hint = EditDistance.closest(to: key, among: known).map { " (did you mean '\($0)'?)" } ?? " (valid keys: \(known.sorted().joined(separator: ", ")))"
            throw TensorError("\(context): unknown key '\(key)'\(hint)")
        }
    }
}

/// The keys a configuration reads, with the defaults they fall back to, in reading order: recorded while `body`
/// builds a configuration, so the help of a binding lists exactly the keys and defaults the code uses.
public enum ConfigKeys {
    public struct Key: Equatable, Sendable {
        public let name: String
        /// The default (nil for keys without one, e.g. a required path).
        public let fallback: ConfigValue?
        /// The reader that asked (its error context, e.g. "VQModel" or "VQModel ddconfig" for a nested table).
        public let context: String

        public init(name: String, fallback: ConfigValue?, context: String) {
            (self.name, self.fallback, self.context) = (name, fallback, context)
        }
    }

    private final class Recording: @unchecked Sendable {
        var keys: [Key] = []
    }

    /// Recursive: `note` runs inside `recorded`'s body on the same thread.
    private static let lock = NSRecursiveLock()
    nonisolated(unsafe) private static var active: Recording?

    /// Every key asked for by the ConfigReaders used inside `body`, first asking only; `body` may throw (a required
    /// key missing from the empty configuration it is usually given) after the keys were read.
    public static func recorded(_ body: () throws -> Void) -> [Key] {
        lock.lock()
        defer { lock.unlock() }
        let recording = Recording()
        active = recording
        defer { active = nil }
        try? body()
        return recording.keys
    }

    static func note(_ name: String, fallback: ConfigValue?, context: String) {
        lock.lock()
        defer { lock.unlock() }
        guard let recording = active, !recording.keys.contains(where: { $0.name == name && $0.context == context }) else { return }
        recording.keys.append(Key(name: name, fallback: fallback, context: context))
    }
}
