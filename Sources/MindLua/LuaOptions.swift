import MindVis
import CLua
import LuaShim

/// An options table passed to a binding: `mv.optim.AdamW(params, {lr = 1e-3, weight_decay = 0.05})`.
///
/// Construction validates the keys (strings among the allowed names; no positional entries); getters read values
/// raw (no metamethods) and report `mv.optim.AdamW: option 'lr': expected a number, got string "x"`.
/// Valid while the call that produced it is running (it refers to the argument's stack slot).
public struct LuaOptions {
    private let L: OpaquePointer
    /// Absolute stack index of the table, or 0 when the options were nil or absent.
    private let index: Int32
    private let function: String

    init(slot: LuaSlot, allowed: [String]) throws {
        L = slot.L
        function = slot.function
        if slot.isNil {
            index = 0
            return
        }
        guard slot.typeCode == LUA_TTABLE else { throw slot.mismatch("an options table") }
        index = slot.index
        if lua_rawlen(L, index) > 0 {
            throw LuaBindingError("\(function): \(slot.context): expected an options table with named keys, got a table with positional entries")
        }
        var unknown: [String] = []
        var badKey: String?
        try LuaStack.extraKeys(L, index) { key in
            if lua_type(L, key) == LUA_TSTRING {
                let name = LuaStack.string(L, key)
                if !allowed.contains(name) { unknown.append(name) }
            } else if badKey == nil {
                badKey = LuaStack.describe(L, key)
            }
        }
        if let badKey {
            throw LuaBindingError("\(function): \(slot.context): option names must be strings, got key \(badKey)")
        }
        // Lua's traversal order is arbitrary; report the alphabetically first unknown key so messages are stable.
        if let name = unknown.min() {
            throw LuaBindingError(LuaOptions.unknownOptionMessage(function: function, name: name, allowed: allowed))
        }
    }

    static func unknownOptionMessage(function: String, name: String, allowed: [String]) -> String {
        if let suggestion = EditDistance.closest(to: name, among: allowed) {
            return "\(function): unknown option '\(name)' (did you mean '\(suggestion)'?)"
        }
        let related = EditDistance.sharingAPart(with: name, among: allowed).sorted()
        if related.count > 1 { return "\(function): unknown option '\(name)' (did you mean one of \(related.joined(separator: ", "))?)" }
        let valid = allowed.isEmpty ? "it takes no options" : "valid options: " + allowed.sorted().joined(separator: ", ")
        return "\(function): unknown option '\(name)' (\(valid))"
    }

    /// Runs `read` on the value of option `key` (pushed, then popped); nil when absent or nil.
    private func read<Result>(_ key: String, _ read: (LuaSlot) throws -> Result) throws -> Result? {
        guard index != 0 else { return nil }
        guard lua_checkstack(L, 2) != 0 else { throw LuaBindingError("\(function): Lua stack overflow") }
        LuaStack.rawGet(L, table: index, key: key)
        defer { mv_pop(L, 1) }
        let slot = LuaSlot(L: L, index: lua_gettop(L), function: function, context: .option(key))
        return slot.isNil ? nil : try read(slot)
    }

    /// Whether the option is present (and not nil).
    public func has(_ key: String) -> Bool {
        (try? read(key) { _ in true }) != nil
    }

    public func number(_ key: String) throws -> Double? { try read(key) { try $0.number() } }

    public func number(_ key: String, default value: Double) throws -> Double { try number(key) ?? value }

    public func integer(_ key: String, min: Int = .min, max: Int = .max) throws -> Int? {
        try read(key) { try $0.integer(min: min, max: max) }
    }

    public func integer(_ key: String, default value: Int, min: Int = .min, max: Int = .max) throws -> Int {
        try integer(key, min: min, max: max) ?? value
    }

    public func bool(_ key: String) throws -> Bool? { try read(key) { try $0.boolean() } }

    public func bool(_ key: String, default value: Bool) throws -> Bool { try bool(key) ?? value }

    public func string(_ key: String) throws -> String? { try read(key) { try $0.string() } }

    public func string(_ key: String, default value: String) throws -> String { try string(key) ?? value }

    public func numberArray(_ key: String) throws -> [Double]? { try read(key) { try $0.numbers() } }

    public func integerArray(_ key: String, min: Int = .min, max: Int = .max) throws -> [Int]? {
        try read(key) { try $0.integers(min: min, max: max) }
    }

    public func userdata<T: AnyObject>(_ key: String, as type: T.Type) throws -> T? {
        try read(key) { try $0.object(type) }
    }

    public func function(_ key: String) throws -> LuaFunctionRef? { try read(key) { try $0.functionReference() } }

    /// The option converted to a Swift value (`.nil` when absent).
    public func value(_ key: String, maxDepth: Int = LuaValueReader.defaultMaxDepth) throws -> LuaValue {
        try read(key) { try $0.value(maxDepth: maxDepth) } ?? .nil
    }
}
