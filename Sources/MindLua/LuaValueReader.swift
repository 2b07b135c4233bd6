import CLua
import LuaShim

/// Converts Lua values on the stack into `LuaValue`s: raw table access only, a depth limit, and a cycle check
/// (a table containing itself on the current path is an error; the same table shared twice is fine).
public struct LuaValueReader {
    public static let defaultMaxDepth = 64

    let L: OpaquePointer
    let function: String
    let maxDepth: Int
    private var path: Set<UnsafeRawPointer> = []

    init(L: OpaquePointer, function: String, maxDepth: Int) {
        self.L = L
        self.function = function
        self.maxDepth = maxDepth
    }

    private func failure(_ context: LuaValueContext, _ problem: String) -> LuaBindingError {
        LuaBindingError("\(function): \(context): \(problem)")
    }

    mutating func read(_ index: Int32, context: LuaValueContext) throws -> LuaValue {
        switch lua_type(L, index) {
        case LUA_TNIL, LUA_TNONE: return .nil
        case LUA_TBOOLEAN: return .boolean(lua_toboolean(L, index) != 0)
        case LUA_TNUMBER:
            return lua_isinteger(L, index) != 0 ? .integer(Int(lua_tointegerx(L, index, nil))) : .number(lua_tonumberx(L, index, nil))
        case LUA_TSTRING: return .string(LuaStack.string(L, index))
        case LUA_TTABLE: return try readTable(index, context: context)
        case LUA_TUSERDATA:
            switch LuaBoundObject.resolve(L, index, as: AnyObject.self) {
            case .object(let object): return .object(object)
            case .freed(let typeName): throw failure(context, "attempt to use a freed \(typeName)")
            case .mismatch: throw failure(context, "a \(LuaStack.describe(L, index)) userdata cannot be taken here (expected numbers, strings, booleans, tables or MindVis objects)")
            }
        default:
            throw failure(context, "a \(LuaStack.describe(L, index)) cannot be taken here (expected numbers, strings, booleans, tables or MindVis objects)")
        }
    }

    private mutating func readTable(_ index: Int32, context: LuaValueContext) throws -> LuaValue {
        let index = lua_absindex(L, index)
        guard let address = lua_topointer(L, index) else { return .nil }
        guard path.count < maxDepth else { throw failure(context, "tables nested deeper than \(maxDepth) levels") }
        guard path.insert(address).inserted else { throw failure(context, "the table contains itself (a cycle)") }
        defer { path.remove(address) }
        guard lua_checkstack(L, 4) != 0 else { throw failure(context, "Lua stack overflow") }

        let length = Int(lua_rawlen(L, index))
        var items: [LuaValue] = []
        items.reserveCapacity(length)
        for position in stride(from: 1, through: length, by: 1) {
            lua_rawgeti(L, index, lua_Integer(position))
            defer { mv_pop(L, 1) }
            items.append(try read(lua_gettop(L), context: context.element(.integer(position))))
        }
        var extra: [LuaTableEntry] = []
        var keyFailure: LuaBindingError?
        try LuaStack.extraKeys(L, index) { key in
            let keyValue: LuaValue
            switch lua_type(L, key) {
            case LUA_TBOOLEAN, LUA_TNUMBER, LUA_TSTRING:
                keyValue = try read(key, context: context)
            default:
                if keyFailure == nil {
                    keyFailure = failure(context, "cannot convert a table with a \(LuaStack.describe(L, key)) key")
                }
                return
            }
            lua_pushvalue(L, key)
            lua_rawget(L, index)
            defer { mv_pop(L, 1) }
            extra.append(LuaTableEntry(key: keyValue, value: try read(lua_gettop(L), context: context.element(keyValue))))
        }
        if let keyFailure { throw keyFailure }
        if extra.isEmpty { return .array(items) }
        extra.sort { LuaValueReader.keyPrecedes($0.key, $1.key) }
        let sequence = items.enumerated().map { LuaTableEntry(key: .integer($0.offset + 1), value: $0.element) }
        return .table(sequence + extra)
    }

    /// Numbers (by value), then strings, then booleans (false first).
    static func keyPrecedes(_ a: LuaValue, _ b: LuaValue) -> Bool {
        func rank(_ v: LuaValue) -> Int {
            switch v {
            case .integer, .number: return 0
            case .string: return 1
            default: return 2
            }
        }
        switch (a, b) {
        case let (.string(x), .string(y)): return x < y
        case let (.boolean(x), .boolean(y)): return !x && y
        default:
            if rank(a) == 0 && rank(b) == 0 { return numeric(a) < numeric(b) }
            return rank(a) < rank(b)
        }
    }

    private static func numeric(_ v: LuaValue) -> Double {
        switch v {
        case .integer(let i): return Double(i)
        case .number(let d): return d
        default: return 0
        }
    }
}
