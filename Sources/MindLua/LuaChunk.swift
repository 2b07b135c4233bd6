import CLua
import LuaShim

/// Loading and protected calling of chunks: the only ways MindLua runs Lua code.
enum LuaChunk {
    /// Compiles `source` and pushes the function; returns the syntax error instead (nothing pushed).
    static func load(_ L: OpaquePointer, source: String, name: String) -> String? {
        var source = source
        let status = source.withUTF8 { bytes in
            bytes.withMemoryRebound(to: CChar.self) { chars in
                luaL_loadbufferx(L, chars.baseAddress, chars.count, name, "t")
            }
        }
        return takeLoadError(L, status)
    }

    /// Compiles the file at `path` (standard input if nil, named `stdin`), skipping a `#!` first line, and pushes
    /// the function; returns the error instead. Binary chunks are refused: they can crash the VM.
    static func loadFile(_ L: OpaquePointer, path: String?) -> String? {
        takeLoadError(L, luaL_loadfilex(L, path, "t"))
    }

    private static func takeLoadError(_ L: OpaquePointer, _ status: Int32) -> String? {
        guard status != LUA_OK else { return nil }
        defer { mv_pop(L, 1) }
        return lua_type(L, -1) == LUA_TSTRING ? LuaStack.string(L, -1) : "cannot load chunk"
    }

    /// Calls the function below `argumentCount` arguments on top of the stack under `lua_pcall` with the traceback
    /// message handler. On success the results replace function and arguments and their count is returned; on
    /// failure they are removed and a `LuaError` with message and traceback is thrown.
    static func protectedCall(_ L: OpaquePointer, argumentCount: Int32) throws -> Int32 {
        guard lua_checkstack(L, 2) != 0 else { throw LuaError(message: "Lua stack overflow") }
        let handlerIndex = lua_gettop(L) - argumentCount
        mv_push_message_handler(L)
        mv_insert(L, handlerIndex)
        let status = mv_pcall(L, argumentCount, mv_multret(), handlerIndex)
        if status != LUA_OK {
            let error = errorValue(L, status: status)
            lua_settop(L, handlerIndex - 1)
            throw error
        }
        let count = lua_gettop(L) - handlerIndex
        mv_remove(L, handlerIndex)
        return count
    }

    /// The error left on top by a failed protected call (the value as raised) with the traceback the handler
    /// recorded for it; values other than strings and numbers are described through their `__tostring`.
    private static func errorValue(_ L: OpaquePointer, status: Int32) -> LuaError {
        let message: String
        switch lua_type(L, -1) {
        case LUA_TSTRING, LUA_TNUMBER: message = LuaStack.string(L, -1)
        case LUA_TNIL: message = "nil"
        default:
            if luaL_getmetafield(L, -1, "__tostring") != LUA_TNIL {
                mv_pop(L, 1)
                message = LuaStack.tostring(L, -1)
            } else {
                message = "(error object is a \(String(cString: lua_typename(L, lua_type(L, -1)))) value)"
            }
        }
        mv_take_traceback(L, -1)
        defer { mv_pop(L, 1) }
        return LuaError(message: message, traceback: lua_type(L, -1) == LUA_TSTRING ? LuaStack.string(L, -1) : "")
    }

    /// Whether a syntax error only means the chunk is unfinished (lua.c's test: the message ends in `<eof>`).
    static func isIncomplete(syntaxError: String) -> Bool {
        syntaxError.hasSuffix("<eof>")
    }
}
