import CLua
import LuaShim

/// Small stack utilities shared by the MindLua files. Every function here uses only Lua API functions that never
/// raise (or can only fail on out-of-memory, which aborts): see DESIGN.md §2.
enum LuaStack {
    /// The string at `index` (which must hold a string: numbers are not converted in place).
    static func string(_ L: OpaquePointer, _ index: Int32) -> String {
        var length = 0
        guard let bytes = mv_tolstring(L, index, &length) else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: bytes, count: length), as: UTF8.self)
    }

    /// How Lua's `tostring` writes a number (`3`, `0.5`, `1e+300`, `inf`, `nan`), converting a copy.
    static func numberText(_ L: OpaquePointer, _ index: Int32) -> String {
        lua_pushvalue(L, index)
        defer { mv_pop(L, 1) }
        return string(L, -1)
    }

    static func push(_ L: OpaquePointer, _ text: String) {
        var text = text
        _ = text.withUTF8 { lua_pushlstring(L, $0.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) }, $0.count) }
    }

    static func pushGlobals(_ L: OpaquePointer) {
        lua_rawgeti(L, mv_registry_index(), lua_Integer(LUA_RIDX_GLOBALS))
    }

    /// table[key] without metamethods; pushes the value and returns its type.
    @discardableResult
    static func rawGet(_ L: OpaquePointer, table: Int32, key: String) -> Int32 {
        let table = lua_absindex(L, table)
        push(L, key)
        return lua_rawget(L, table)
    }

    /// table[key] = value on top (popped), without metamethods. A string key can never be nil or NaN, the two keys
    /// for which even a raw set raises.
    static func rawSet(_ L: OpaquePointer, table: Int32, key: String) {
        let table = lua_absindex(L, table)
        push(L, key)
        mv_insert(L, -2)
        lua_rawset(L, table)
    }

    /// The `__name` of the value's metatable (raw lookup), e.g. "Tensor" or "FILE*".
    static func metatableName(_ L: OpaquePointer, _ index: Int32) -> String? {
        guard lua_getmetatable(L, index) != 0 else { return nil }
        defer { mv_pop(L, 2) }
        guard rawGet(L, table: -1, key: "__name") == LUA_TSTRING else { return nil }
        return string(L, -1)
    }

    /// Whether the value's metatable is one of the state's MindVis types.
    static func hasMindVisMetatable(_ L: OpaquePointer, _ index: Int32) -> Bool {
        guard lua_getmetatable(L, index) != 0 else { return false }
        defer { mv_pop(L, 1) }
        return lua_topointer(L, -1).map { LuaState.owning(L).typesByMetatable[$0] != nil } ?? false
    }

    /// A short description of the value for error messages: `nil`, `no value`, `-3`, `string "abc"`, `table`,
    /// `Tensor` (a userdata's `__name`).
    static func describe(_ L: OpaquePointer, _ index: Int32) -> String {
        switch lua_type(L, index) {
        case LUA_TNONE: return "no value"
        case LUA_TNIL: return "nil"
        case LUA_TBOOLEAN: return lua_toboolean(L, index) != 0 ? "true" : "false"
        case LUA_TNUMBER: return numberText(L, index)
        case LUA_TSTRING:
            let text = string(L, index)
            let shown = text.count > 40 ? String(text.prefix(40)) + "..." : text
            return "string " + quoted(shown)
        case LUA_TUSERDATA:
            guard let name = metatableName(L, index) else { return "userdata" }
            // Another library's userdata given a MindVis metatable (the debug library can) is not that object.
            return hasMindVisMetatable(L, index) && mv_is_object_block(L, index) == 0 ? "a foreign userdata with the \(name) metatable" : name
        case LUA_TLIGHTUSERDATA: return "light userdata"
        default: return String(cString: lua_typename(L, lua_type(L, index)))
        }
    }

    /// A Lua string literal for `text`: double quotes, with quotes, backslashes and control characters escaped.
    static func quoted(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\t": result += "\\t"
            case "\r": result += "\\r"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7f {
                    result += "\\" + String(scalar.value)
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result + "\""
    }

    /// The keys of the table at `index` that are not part of its sequence 1..rawlen, via the protected C helper
    /// (`lua_next` may raise). Pushes nothing.
    static func extraKeys(_ L: OpaquePointer, _ index: Int32, visit: (Int32) throws -> Void) throws {
        guard lua_checkstack(L, 3) != 0 else { throw LuaBindingError("Lua stack overflow while reading a table") }
        let status = mv_protected_extra_keys(L, index)
        defer { mv_pop(L, 1) }
        guard status == LUA_OK else { throw LuaBindingError("cannot traverse table: " + describe(L, -1)) }
        let keys = lua_gettop(L)
        let count = lua_rawlen(L, keys)
        var position: lua_Integer = 1
        while position <= lua_Integer(count) {
            lua_rawgeti(L, keys, position)
            defer { mv_pop(L, 1) }
            try visit(lua_gettop(L))
            position += 1
        }
    }

    /// `tostring(value)` with metamethods, under a protected call. Pushes nothing.
    static func tostring(_ L: OpaquePointer, _ index: Int32) -> String {
        guard lua_checkstack(L, 3) != 0 else { return "?" }
        let status = mv_protected_tostring(L, index)
        defer { mv_pop(L, 1) }
        if status == LUA_OK { return string(L, -1) }
        let reason = lua_type(L, -1) == LUA_TSTRING ? string(L, -1) : "error object is not a string"
        return "<__tostring failed: \(reason)>"
    }
}
