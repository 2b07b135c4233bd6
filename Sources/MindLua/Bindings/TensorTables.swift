import CLua
import LuaShim
import MindTensor

/// Lua tables <-> tensors: `mv.tensor{{1, 2}, {3, 4}}` reads nested tables (ragged ones are errors naming the
/// position), `t:totable()` writes them back, `t:item()` reads one number.
enum TensorTables {
    /// Tensors above this many elements are refused by `totable` (a Lua number costs 16 bytes: this is 1 GiB) and
    /// by `mv.tensor`, whose nested tables could otherwise describe far more elements than they hold (shared
    /// inner tables).
    static let maxTableElements = 1 << 26

    static func define(_ type: LuaUserdataType<Tensor>) {
        type.bound("item", doc: """
            t:item() -> number
            The value of a one-element tensor (any shape: [], [1], [1, 1]) as a Lua number, as torch.Tensor.item.
            More than one element is an error; use t:totable() or t[i] for several values.
            """) { t, args in try args.returning(Double(try t.item())) }
        type.bound("totable", doc: """
            t:totable() -> table | number
            The values as nested Lua arrays, one level per dimension ({{1, 2}, {3, 4}} for a [2, 2] tensor); a 0-d tensor gives a number.
            Refused above 2^26 elements. mv.tensor(t:totable()) rebuilds the tensor.
            """) { t, args in
            try push(t, args)
            return LuaReturn(count: 1)
        }
        // PyTorch's name for the same thing.
        type.bound("tolist", doc: """
            t:tolist() -> table | number
            The same as t:totable() (PyTorch's name): nested Lua arrays of the values, or a number for a 0-d tensor.
            """) { t, args in
            try push(t, args)
            return LuaReturn(count: 1)
        }
    }

    /// Pushes the tensor as nested Lua tables of numbers (a number for a 0-d tensor), reading through its strides.
    static func push(_ t: Tensor, _ args: LuaArgs) throws {
        let L = args.L, base = t.storage.base
        guard t.numel <= maxTableElements else {
            throw args.error("a tensor of \(t.numel) elements is too large for Lua tables (at most \(maxTableElements))")
        }
        if t.rank == 0 {
            lua_pushnumber(L, Double(base[t.offset]))
            return
        }
        try args.ensureStack(t.rank + 2)
        func level(_ dim: Int, _ offset: Int) {
            let size = t.shape[dim], stride = t.strides[dim]
            lua_createtable(L, Int32(clamping: size), 0)
            for k in 0..<size {
                if dim == t.rank - 1 {
                    lua_pushnumber(L, Double(base[offset + k * stride]))
                } else {
                    level(dim + 1, offset + k * stride)
                }
                lua_rawseti(L, -2, lua_Integer(k + 1))
            }
        }
        level(0, t.offset)
    }

    /// Argument `i` as a new tensor: a number (0-d), a tensor (copied, without history) or nested tables of numbers
    /// whose lengths agree at every level.
    static func read(_ args: LuaArgs, _ i: Int, _ name: String) throws -> Tensor {
        let slot = args.slot(i, name)
        switch slot.typeCode {
        case LUA_TNUMBER:
            return Tensor(scalar: Float(lua_tonumberx(args.L, slot.index, nil)))
        case LUA_TUSERDATA:
            return try slot.object(Tensor.self).detach().clone()
        case LUA_TTABLE:
            return try readNested(args, slot)
        default:
            throw slot.mismatch("a number, a Tensor or nested tables of numbers")
        }
    }

    private static func readNested(_ args: LuaArgs, _ slot: LuaSlot) throws -> Tensor {
        let L = args.L
        try args.ensureStack(Shape.maxRank + 4)
        // The shape follows the first entry of every level; every other entry must agree with it.
        var shape: [Int] = []
        var index = slot.index, pushed: Int32 = 0
        while lua_type(L, index) == LUA_TTABLE {
            guard shape.count < Shape.maxRank else {
                mv_pop(L, pushed)
                throw slot.mismatch("nested tables of at most \(Shape.maxRank) levels")
            }
            let length = Int(lua_rawlen(L, index))
            shape.append(length)
            if length == 0 { break }
            lua_rawgeti(L, index, 1)
            pushed += 1
            index = lua_gettop(L)
        }
        mv_pop(L, pushed)

        let count = try Shape.elementCount(shape, op: "tensor")
        guard count <= maxTableElements else {
            throw slot.mismatch("nested tables of at most \(maxTableElements) numbers (these describe \(count))")
        }
        var values: [Float] = []
        values.reserveCapacity(Swift.min(count, 1 << 20)) // lengths are only borders of the tables
        func visit(_ table: Int32, depth: Int, context: LuaValueContext) throws {
            let length = Int(lua_rawlen(L, table))
            guard length == shape[depth] else {
                throw LuaBindingError("\(args.function): \(context): ragged nested tables: expected \(shape[depth]) entries like the first table of this level, got \(length)")
            }
            for position in stride(from: 1, through: length, by: 1) {
                lua_rawgeti(L, table, lua_Integer(position))
                defer { mv_pop(L, 1) }
                let element = LuaSlot(L: L, index: lua_gettop(L), function: args.function,
                                      context: context.element(.integer(position)))
                if depth == shape.count - 1 {
                    guard element.typeCode == LUA_TNUMBER else { throw element.mismatch("a number") }
                    values.append(Float(lua_tonumberx(L, element.index, nil)))
                } else {
                    guard element.typeCode == LUA_TTABLE else {
                        throw element.mismatch("a table of \(shape[depth + 1]) entries")
                    }
                    try visit(element.index, depth: depth + 1, context: element.context)
                }
            }
        }
        try visit(slot.index, depth: 0, context: slot.context)
        return try Tensor(values, shape: shape)
    }
}
