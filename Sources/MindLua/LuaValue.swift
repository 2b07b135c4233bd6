/// A Lua value as a Swift value: what Swift reads from Lua tables and pushes back.
///
/// Tables whose keys are exactly 1...n become `.array`; other tables become `.table` with their sequence part
/// first, then the remaining keys sorted (numbers, then strings, then booleans), so conversion is deterministic
/// although Lua's traversal order is not. Strings are decoded as UTF-8 (invalid bytes become U+FFFD).
public enum LuaValue: Equatable, CustomStringConvertible {
    case `nil`
    case boolean(Bool)
    case integer(Int)
    case number(Double)
    case string(String)
    case array([LuaValue])
    /// An ordered dictionary; keys must be booleans, numbers or strings (not nil or NaN).
    case table([LuaTableEntry])
    /// A Swift object bound with a `LuaUserdataType`.
    case object(AnyObject)

    public static func == (lhs: LuaValue, rhs: LuaValue) -> Bool {
        switch (lhs, rhs) {
        case (.nil, .nil): return true
        case let (.boolean(a), .boolean(b)): return a == b
        case let (.integer(a), .integer(b)): return a == b
        case let (.number(a), .number(b)): return a == b
        case let (.string(a), .string(b)): return a == b
        case let (.array(a), .array(b)): return a == b
        case let (.table(a), .table(b)): return a == b
        case let (.object(a), .object(b)): return a === b
        default: return false
        }
    }

    /// The table entry `key` of a `.table` (or index of an `.array`), `.nil` if absent.
    public subscript(key: LuaValue) -> LuaValue {
        switch self {
        case .array(let items):
            if case .integer(let i) = key, i >= 1, i <= items.count { return items[i - 1] }
            return .nil
        case .table(let entries):
            return entries.first { $0.key == key }?.value ?? .nil
        default:
            return .nil
        }
    }

    public var description: String {
        switch self {
        case .nil: return "nil"
        case .boolean(let value): return String(value)
        case .integer(let value): return String(value)
        case .number(let value): return String(value)
        case .string(let value): return LuaStack.quoted(value)
        case .array(let items): return "{" + items.map(\.description).joined(separator: ", ") + "}"
        case .table(let entries):
            return "{" + entries.map { "[\($0.key)] = \($0.value)" }.joined(separator: ", ") + "}"
        case .object(let object): return "<\(type(of: object))>"
        }
    }
}

public struct LuaTableEntry: Equatable {
    public var key: LuaValue
    public var value: LuaValue

    public init(key: LuaValue, value: LuaValue) {
        self.key = key
        self.value = value
    }
}

extension LuaValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral {
    public init(nilLiteral: ()) { self = .nil }
    public init(booleanLiteral value: Bool) { self = .boolean(value) }
    public init(integerLiteral value: Int) { self = .integer(value) }
    public init(floatLiteral value: Double) { self = .number(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(arrayLiteral elements: LuaValue...) { self = .array(elements) }
    /// Keeps the literal's order.
    public init(dictionaryLiteral elements: (LuaValue, LuaValue)...) {
        self = .table(elements.map { LuaTableEntry(key: $0.0, value: $0.1) })
    }
}
