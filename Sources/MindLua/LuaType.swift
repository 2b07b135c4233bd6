import CLua

/// The Lua type of an argument, for bindings that accept several kinds of values (`t + 2` and `t + u`).
public enum LuaType: Equatable {
    case none, `nil`, boolean, number, string, table, function, userdata, thread, lightUserdata

    init(code: Int32) {
        switch code {
        case LUA_TNIL: self = .nil
        case LUA_TBOOLEAN: self = .boolean
        case LUA_TNUMBER: self = .number
        case LUA_TSTRING: self = .string
        case LUA_TTABLE: self = .table
        case LUA_TFUNCTION: self = .function
        case LUA_TUSERDATA: self = .userdata
        case LUA_TTHREAD: self = .thread
        case LUA_TLIGHTUSERDATA: self = .lightUserdata
        default: self = .none
        }
    }
}
