import CLua
import LuaShim

/// A userdata type materialized in one state: its metatable's name and registry reference.
struct LuaRegisteredType {
    let name: String
    let metatableReference: Int32
}

/// Moving Swift objects in and out of Lua as 8-byte full userdata holding `Unmanaged.passRetained(object)`.
enum LuaBoundObject {
    enum Resolution<T> {
        case object(T)
        case freed(typeName: String)
        case mismatch(expected: String)
    }

    /// The object in the userdata at `index` if it is one of ours and its class is `T` or a subclass.
    /// The metatable is identified by address (one `lua_getmetatable`, no string lookup as `luaL_testudata` does),
    /// which also lets a `Module` method accept a `Linear` bound with its own type.
    static func resolve<T: AnyObject>(_ L: OpaquePointer, _ index: Int32, as type: T.Type) -> Resolution<T> {
        let state = LuaState.owning(L)
        let expected = state.typesByClass[ObjectIdentifier(T.self)]?.name ?? String(describing: T.self)
        guard index != 0, lua_type(L, index) == LUA_TUSERDATA, lua_getmetatable(L, index) != 0 else {
            return .mismatch(expected: expected)
        }
        let metatable = lua_topointer(L, -1)
        mv_pop(L, 1)
        guard let metatable, let registered = state.typesByMetatable[metatable], mv_is_object_block(L, index) != 0 else {
            return .mismatch(expected: expected)
        }
        guard let pointer = mv_userdata_object(L, index) else { return .freed(typeName: registered.name) }
        // A checked cast (one class-pointer comparison for a final class), not an unsafe one: the debug library
        // can swap a userdata's metatable, so the metatable alone does not prove the object's class.
        guard let typed = Unmanaged<AnyObject>.fromOpaque(pointer).takeUnretainedValue() as? T else {
            return .mismatch(expected: expected)
        }
        return .object(typed)
    }

    /// Pushes `object` as userdata of the type registered for its class (or nearest registered superclass). The
    /// same live object always yields the same userdata, through the state's weak identity cache.
    static func push(_ L: OpaquePointer, _ object: AnyObject, function: String) throws {
        let state = LuaState.owning(L)
        guard let registered = registeredType(of: object, in: state) else {
            throw LuaBindingError("\(function): internal error: no Lua type is registered for \(type(of: object))")
        }
        guard lua_checkstack(L, 3) != 0 else { throw LuaBindingError("\(function): Lua stack overflow") }
        let address = UnsafeRawPointer(Unmanaged.passUnretained(object).toOpaque())
        lua_rawgeti(L, mv_registry_index(), lua_Integer(state.userdataCacheReference))
        if lua_rawgetp(L, -1, address) == LUA_TUSERDATA, mv_userdata_object(L, -1) == UnsafeMutableRawPointer(mutating: address) {
            mv_remove(L, -2)
            return
        }
        mv_pop(L, 1)
        mv_push_object(L, Unmanaged.passRetained(object).toOpaque(), registered.metatableReference)
        lua_pushvalue(L, -1)
        lua_rawsetp(L, -3, address)
        mv_remove(L, -2)
    }

    private static func registeredType(of object: AnyObject, in state: LuaState) -> LuaRegisteredType? {
        var type: AnyClass? = Swift.type(of: object)
        while let current = type {
            if let registered = state.typesByClass[ObjectIdentifier(current)] { return registered }
            type = _getSuperclass(current)
        }
        return nil
    }

    /// "a Counter", "an Optimizer".
    static func withArticle(_ name: String) -> String {
        let vowels: Set<Character> = ["A", "E", "I", "O", "U", "a", "e", "i", "o", "u"]
        return (name.first.map { vowels.contains($0) } ?? false ? "an " : "a ") + name
    }
}
