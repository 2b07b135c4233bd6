import CLua
import LuaShim
import MindTensor

/// Reading tensors, dimensions and indices from Lua and pushing tensors back: the helpers every binding file uses.
///
/// Lua is 1-based and the engine 0-based. Dimensions, positions (`narrow` starts, `t[i]`) and the values of index
/// tensors are converted here, at the boundary, and validated with 1-based messages, so the engine's 0-based
/// numbers never reach the user.
extension LuaArgs {
    // MARK: Tensors

    public func tensor(_ i: Int, _ name: String? = nil) throws -> Tensor { try userdata(i, name, as: Tensor.self) }

    public func optionalTensor(_ i: Int, _ name: String? = nil) throws -> Tensor? {
        try optionalUserdata(i, name, as: Tensor.self)
    }

    /// A tensor, or a number as a 0-d tensor (either operand of `t + 2`, `2 * t`).
    public func tensorOrNumber(_ i: Int, _ name: String? = nil) throws -> Tensor {
        let slot = slot(i, name)
        if slot.typeCode == LUA_TNUMBER { return Tensor(scalar: Float(lua_tonumberx(L, slot.index, nil))) }
        guard slot.typeCode == LUA_TUSERDATA else { throw slot.mismatch("a Tensor or a number") }
        return try slot.object(Tensor.self)
    }

    /// A Lua array of tensors `{a, b, c}` (read raw).
    public func tensorArray(_ i: Int, _ name: String? = nil) throws -> [Tensor] { try tensors(in: slot(i, name)) }

    /// The tensors of the array in `slot`.
    func tensors(in slot: LuaSlot) throws -> [Tensor] {
        guard slot.typeCode == LUA_TTABLE else { throw slot.mismatch("an array of Tensors") }
        try ensureStack(2)
        let count = Int(lua_rawlen(L, slot.index))
        var tensors: [Tensor] = []
        tensors.reserveCapacity(Swift.min(count, 1 << 16)) // rawlen is only a border of the table
        for position in stride(from: 1, through: count, by: 1) {
            lua_rawgeti(L, slot.index, lua_Integer(position))
            defer { mv_pop(L, 1) }
            let element = LuaSlot(L: L, index: lua_gettop(L), function: function, context: slot.context.element(.integer(position)))
            tensors.append(try element.object(Tensor.self))
        }
        return tensors
    }

    // MARK: Sizes

    /// Sizes given as `f(2, 3)` or `f{2, 3}` from argument `i` on, each in 0...`Shape.maxElements`.
    public func sizes(from i: Int, _ name: String = "size") throws -> [Int] {
        try integerList(from: i, name, min: 0, max: Shape.maxElements)
    }

    /// Like `sizes`, but -1 is allowed (reshape, view and expand infer or keep that size).
    public func sizesAllowingInference(from i: Int, _ name: String = "size") throws -> [Int] {
        try integerList(from: i, name, min: -1, max: Shape.maxElements)
    }

    // MARK: Dimensions and positions

    /// A 1-based dimension of a tensor with `rank` dimensions (negative counts from the end), converted for the
    /// engine: `1` -> 0, `2` -> 1, `-1` stays -1.
    public func dimension(_ i: Int, _ name: String = "dim", rank: Int) throws -> Int {
        let slot = slot(i, name)
        guard slot.index != 0, let d = LuaSlot.integerValue(L, slot.index), d != 0, d >= -rank, d <= rank else {
            throw slot.mismatch(rank == 0 ? "no dimension (the tensor is 0-d)" : "a dimension in 1...\(rank) or -\(rank)...-1")
        }
        return d > 0 ? d - 1 : d
    }

    public func optionalDimension(_ i: Int, _ name: String = "dim", rank: Int) throws -> Int? {
        isNil(i) ? nil : try dimension(i, name, rank: rank)
    }

    /// 1-based dimensions given as `f(2, 1, 3)` or `f{2, 1, 3}` from argument `i` on, converted like `dimension`.
    public func dimensionList(from i: Int, _ name: String = "dims", rank: Int) throws -> [Int] {
        try zeroBasedDimensions(try integerList(from: i, name, min: -rank, max: rank), name, rank: rank)
    }

    /// 1-based dimensions in the table at argument `i` (`t:sum({1, 2}, true)`), converted like `dimension`.
    public func dimensionArray(_ i: Int, _ name: String = "dims", rank: Int) throws -> [Int] {
        try zeroBasedDimensions(try integerArray(i, name, min: -rank, max: rank), name, rank: rank)
    }

    private func zeroBasedDimensions(_ values: [Int], _ name: String, rank: Int) throws -> [Int] {
        if values.contains(0) {
            throw error("argument '\(name)': " + (rank == 0 ? "a 0-d tensor has no dimensions" : "dimensions are 1...\(rank) or -\(rank)...-1, got 0"))
        }
        // A repeat is named here, 1-based: the engine would name it 0-based.
        let oneBased = values.map { $0 > 0 ? $0 : $0 + rank + 1 }
        if let twice = oneBased.indices.first(where: { oneBased[..<$0].contains(oneBased[$0]) }) {
            throw error("argument '\(name)': dimension \(oneBased[twice]) is given twice (\(values.map(String.init).joined(separator: ", ")))")
        }
        return values.map { $0 > 0 ? $0 - 1 : $0 }
    }

    /// A 1-based position among `size` entries (negative counts from the end: -1 is the last), as a 0-based offset.
    /// With `allowEnd`, `size + 1` is accepted too (an empty range starting after the last entry).
    public func position(_ i: Int, _ name: String, size: Int, allowEnd: Bool = false) throws -> Int {
        let slot = slot(i, name)
        let upper = allowEnd ? size + 1 : size
        guard slot.index != 0, let p = LuaSlot.integerValue(L, slot.index), p != 0, p >= -size, p <= upper else {
            let expected = size == 0 && !allowEnd ? "a position, but the dimension is empty"
                : "a position in 1...\(upper)" + (size > 0 ? " or -\(size)...-1" : "")
            throw slot.mismatch(expected)
        }
        return p > 0 ? p - 1 : size + p
    }

    // MARK: Index tensors

    /// Argument `i`, a tensor of 1-based indices each in 1...`bound`, as the engine's 0-based index tensor.
    public func indexTensor(_ i: Int, _ name: String, bound: Int) throws -> Tensor {
        let index = try tensor(i, name)
        let values = try index.toArray()
        var zeroBased = [Float](repeating: 0, count: values.count)
        for (k, v) in values.enumerated() {
            guard v.rounded() == v, v >= 1, v <= Float(bound) else {
                throw error("argument #\(i) '\(name)': expected indices in 1...\(bound), found \(LuaArgs.numberText(v)) at element \(k + 1)")
            }
            zeroBased[k] = v - 1
        }
        return try Tensor(zeroBased, shape: index.shape)
    }

    /// A number as Lua prints it (`3`, `2.5`, `nan`).
    static func numberText(_ v: Float) -> String {
        if v.isNaN { return "nan" }
        if v.isInfinite { return v > 0 ? "inf" : "-inf" }
        return v.rounded() == v && Swift.abs(v) < 1e15 ? String(Int64(v)) : String(v)
    }

    // MARK: Results

    public func push(tensor: Tensor) throws { try push(object: tensor) }

    public func returning(tensor: Tensor) throws -> LuaReturn { try returning(object: tensor) }

    public func returning(_ a: Tensor, _ b: Tensor) throws -> LuaReturn {
        try ensureStack(2)
        try push(object: a)
        try push(object: b)
        return LuaReturn(count: 2)
    }

    /// Pushes a Lua array of tensors.
    public func push(tensors: [Tensor]) throws {
        try pushSequence(count: tensors.count) { position in try push(object: tensors[position - 1]) }
    }

    public func returning(tensors: [Tensor]) throws -> LuaReturn {
        try push(tensors: tensors)
        return LuaReturn(count: 1)
    }

    /// Pushes `{name = tensor, ...}` and the names in order as a second table; returns 2.
    func returning(named: [(name: String, tensor: Tensor)]) throws -> LuaReturn {
        try ensureStack(4)
        try pushTable(count: named.count) { set in
            for (name, tensor) in named { try set(name) { try push(object: tensor) } }
        }
        try push(named.map(\.name))
        return LuaReturn(count: 2)
    }

    /// The same call seen under another name in messages (a module's `__call` reports its type: `Linear: ...`).
    func renamed(_ name: String) -> LuaArgs {
        LuaArgs(L: L, function: name, selfOffset: selfOffset, count: count)
    }
}
