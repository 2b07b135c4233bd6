import CLua
import LuaShim

/// A Swift value that can be pushed onto the Lua stack as a result or argument: numbers, strings, booleans,
/// `LuaValue`, optionals (nil), arrays (sequences) and string-keyed dictionaries (tables), nested freely.
public protocol LuaPushable {
    func push(to stack: LuaArgs) throws
}

extension Bool: LuaPushable {
    public func push(to stack: LuaArgs) throws { lua_pushboolean(stack.L, self ? 1 : 0) }
}

extension Int: LuaPushable {
    public func push(to stack: LuaArgs) throws { lua_pushinteger(stack.L, lua_Integer(self)) }
}

extension Double: LuaPushable {
    public func push(to stack: LuaArgs) throws { lua_pushnumber(stack.L, self) }
}

extension Float: LuaPushable {
    public func push(to stack: LuaArgs) throws { lua_pushnumber(stack.L, Double(self)) }
}

extension String: LuaPushable {
    public func push(to stack: LuaArgs) throws { LuaStack.push(stack.L, self) }
}

extension Optional: LuaPushable where Wrapped: LuaPushable {
    public func push(to stack: LuaArgs) throws {
        switch self {
        case .some(let value): try value.push(to: stack)
        case .none: lua_pushnil(stack.L)
        }
    }
}

extension Array: LuaPushable where Element: LuaPushable {
    public func push(to stack: LuaArgs) throws {
        try stack.pushSequence(count: count) { position in try self[position - 1].push(to: stack) }
    }
}

/// Keys are set in sorted order so the resulting table is built deterministically.
extension Dictionary: LuaPushable where Key == String, Value: LuaPushable {
    public func push(to stack: LuaArgs) throws {
        try stack.pushTable(count: count) { set in
            for key in keys.sorted() { try set(key) { try self[key]!.push(to: stack) } }
        }
    }
}

extension LuaValue: LuaPushable {
    public func push(to stack: LuaArgs) throws {
        let L = stack.L
        switch self {
        case .nil: lua_pushnil(L)
        case .boolean(let value): try value.push(to: stack)
        case .integer(let value): try value.push(to: stack)
        case .number(let value): try value.push(to: stack)
        case .string(let value): try value.push(to: stack)
        case .object(let object): try stack.push(object: object)
        case .array(let items):
            try stack.pushSequence(count: items.count) { position in try items[position - 1].push(to: stack) }
        case .table(let entries):
            try stack.ensureStack(3)
            lua_createtable(L, 0, Int32(clamping: entries.count))
            for entry in entries {
                // Even a raw set raises for a nil or NaN key: refuse them here, in Swift.
                switch entry.key {
                case .nil: throw stack.error("cannot use nil as a table key")
                case .number(let key) where key.isNaN: throw stack.error("cannot use NaN as a table key")
                case .array, .table: throw stack.error("cannot use a table as a table key")
                default: break
                }
                try entry.key.push(to: stack)
                try entry.value.push(to: stack)
                lua_rawset(L, -3)
            }
        }
    }
}

extension LuaArgs {
    /// Pushes a new table and fills t[1...count] with the values `element(position)` pushes.
    func pushSequence(count: Int, element: (Int) throws -> Void) throws {
        try ensureStack(2)
        lua_createtable(L, Int32(clamping: count), 0)
        for position in stride(from: 1, through: count, by: 1) {
            try element(position)
            lua_rawseti(L, -2, lua_Integer(position))
        }
    }

    /// Pushes a new table; `fill` receives `set(key, pushValue)` to add string-keyed entries.
    func pushTable(count: Int, fill: ((String, () throws -> Void) throws -> Void) throws -> Void) throws {
        try ensureStack(3)
        lua_createtable(L, 0, Int32(clamping: count))
        try fill { key, pushValue in
            try pushValue()
            LuaStack.rawSet(L, table: -2, key: key)
        }
    }
}
