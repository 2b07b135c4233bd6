import CLua
import LuaShim

/// One value on the Lua stack being read by a binding, with what is needed to explain a mismatch. The typed readers
/// for arguments (`LuaArgs`) and options (`LuaOptions`) are all built on this, so conversions and messages are
/// defined once. Only non-raising API functions are used.
struct LuaSlot {
    let L: OpaquePointer
    /// Absolute stack index, or 0 for an absent argument ("no value").
    let index: Int32
    let function: String
    let context: LuaValueContext

    var typeCode: Int32 { index == 0 ? LUA_TNONE : lua_type(L, index) }

    /// nil or absent.
    var isNil: Bool { typeCode == LUA_TNIL || typeCode == LUA_TNONE }

    var actual: String { index == 0 ? "no value" : LuaStack.describe(L, index) }

    /// `mv.zeros: argument #2 'size': expected a positive integer, got -3`
    func mismatch(_ expected: String) -> LuaBindingError {
        LuaBindingError("\(function): \(context): expected \(expected), got \(actual)")
    }

    func number() throws -> Double {
        guard typeCode == LUA_TNUMBER else { throw mismatch("a number") }
        return lua_tonumberx(L, index, nil)
    }

    func integer(min: Int, max: Int) throws -> Int {
        guard let value = LuaSlot.integerValue(L, index), value >= min, value <= max else {
            throw mismatch(LuaSlot.integerExpectation(min: min, max: max))
        }
        return value
    }

    func string() throws -> String {
        guard typeCode == LUA_TSTRING else { throw mismatch("a string") }
        return LuaStack.string(L, index)
    }

    func boolean() throws -> Bool {
        guard typeCode == LUA_TBOOLEAN else { throw mismatch("a boolean") }
        return lua_toboolean(L, index) != 0
    }

    /// A sequence {x1, x2, ...} of numbers (read raw, length by `lua_rawlen`).
    func numbers() throws -> [Double] {
        try sequence(expected: "a table of numbers", elementExpected: "a number") { element in
            lua_type(L, element) == LUA_TNUMBER ? lua_tonumberx(L, element, nil) : nil
        }
    }

    func integers(min: Int, max: Int) throws -> [Int] {
        let expectation = LuaSlot.integerExpectation(min: min, max: max)
        return try sequence(expected: "a table of integers", elementExpected: expectation) { element in
            guard let value = LuaSlot.integerValue(L, element), value >= min, value <= max else { return nil }
            return value
        }
    }

    private func sequence<Element>(expected: String, elementExpected: String,
                                   read: (Int32) -> Element?) throws -> [Element] {
        guard typeCode == LUA_TTABLE else { throw mismatch(expected) }
        guard lua_checkstack(L, 1) != 0 else { throw LuaBindingError("\(function): Lua stack overflow") }
        let count = Int(lua_rawlen(L, index))
        var result: [Element] = []
        result.reserveCapacity(count)
        var position = 1
        while position <= count {
            lua_rawgeti(L, index, lua_Integer(position))
            guard let value = read(lua_gettop(L)) else {
                let error = LuaSlot(L: L, index: lua_gettop(L), function: function,
                                    context: context.element(.integer(position))).mismatch(elementExpected)
                mv_pop(L, 1)
                throw error
            }
            mv_pop(L, 1)
            result.append(value)
            position += 1
        }
        return result
    }

    /// A Swift object bound with a `LuaUserdataType` (or a subclass of `T` bound with its own type).
    func object<T: AnyObject>(_ type: T.Type) throws -> T {
        switch LuaBoundObject.resolve(L, index, as: T.self) {
        case .object(let object): return object
        case .freed(let typeName): throw LuaBindingError("\(function): \(context): attempt to use a freed \(typeName)")
        case .mismatch(let expected): throw mismatch(LuaBoundObject.withArticle(expected))
        }
    }

    /// A Lua function, kept alive by a registry reference for later calls.
    func functionReference() throws -> LuaFunctionRef {
        guard typeCode == LUA_TFUNCTION else { throw mismatch("a function") }
        let state = LuaState.owning(L)
        state.drainPendingUnreferences()
        lua_pushvalue(L, index)
        return LuaFunctionRef(state: state, reference: luaL_ref(L, mv_registry_index()))
    }

    /// The value converted to a `LuaValue` (tables recursively; see `LuaValueReader`).
    func value(maxDepth: Int) throws -> LuaValue {
        if index == 0 { return .nil }
        var reader = LuaValueReader(L: L, function: function, maxDepth: maxDepth)
        return try reader.read(index, context: context)
    }

    // MARK: Integers

    /// An integer, or a float with an exact integer value in Int64 range (`3.0`); nil for anything else
    /// (non-integral, NaN, infinite, out of range, not a number).
    static func integerValue(_ L: OpaquePointer, _ index: Int32) -> Int? {
        guard lua_type(L, index) == LUA_TNUMBER else { return nil }
        if lua_isinteger(L, index) != 0 { return Int(lua_tointegerx(L, index, nil)) }
        let value = lua_tonumberx(L, index, nil)
        // 2^63 is exactly representable; every double below it and >= -2^63 that is integral fits Int64.
        guard value.isFinite, value.rounded(.towardZero) == value,
              value >= -9_223_372_036_854_775_808.0, value < 9_223_372_036_854_775_808.0 else { return nil }
        return Int(value)
    }

    static func integerExpectation(min: Int, max: Int) -> String {
        switch (min, max) {
        case (Int.min, Int.max): return "an integer"
        case (1, Int.max): return "a positive integer"
        case (0, Int.max): return "a non-negative integer"
        case (_, Int.max): return "an integer >= \(min)"
        case (Int.min, _): return "an integer <= \(max)"
        default: return "an integer in \(min)...\(max)"
        }
    }
}
