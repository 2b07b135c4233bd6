import MindTensor

/// `t[i]` (entry i along dimension 1: a number for a 1-D tensor, a view otherwise), `t[i] = v` (a number or a
/// broadcast tensor, written in place), `gather`, `index_select`, `argsort` and `masked_fill`. Positions and the
/// values of index tensors are 1-based; negative positions count from the end.
enum TensorIndexing {
    static func define(_ type: LuaUserdataType<Tensor>) {
        // Reached through __index/__newindex (tensor_indexing.lua) for number, table and tensor keys; "__" names stay out of
        // REPL completion.
        type.method("__getitem") { t, args in
            if args.type(1) == .table {
                let args = args.renamed("Tensor[{...}]")
                return try BindingCall.run(args) {
                    switch try TorchIndex(args, t).apply(to: t) {
                    case .element(let position): return try element(t, at: position, args)
                    case .view(let view): return try args.returning(tensor: view)
                    }
                }
            }
            let args = args.renamed("Tensor[i]")
            return try BindingCall.run(args) {
                try refuseTensorKey(args)
                let position = try rowPosition(t, args)
                if t.rank == 1 { return try element(t, at: [position], args) }
                return try args.returning(tensor: try t.select(0, position))
            }
        }
        // t[i] = v for number keys, t.grad = g, and an error for anything else.
        type.method("__setitem") { t, args in
            let args = args.renamed(args.type(1) == .table ? "Tensor[{...}] assignment" : "Tensor[i] assignment")
            return try BindingCall.run(args) {
                if args.type(1) == .string {
                    let key = try args.string(1, "key")
                    guard key == "grad" else { throw LuaBindingError("Tensor has no settable field '\(key)'") }
                    try AutogradBindings.assignGradient(t, args.renamed("Tensor.grad"), 2)
                    return .none
                }
                let target: Tensor
                if args.type(1) == .table {
                    switch try TorchIndex(args, t).apply(to: t) {
                    case .element(let position):
                        try t.setValue(Float(try args.number(2, "value")), at: position)
                        return .none
                    case .view(let view): target = view
                    }
                } else {
                    try refuseTensorKey(args)
                    target = try t.select(0, try rowPosition(t, args))
                }
                if args.type(2) == .number {
                    try target.fill(Float(try args.number(2, "value")))
                } else {
                    guard args.type(2) == .userdata else { throw args.argumentError(2, "value", expected: "a number or a Tensor") }
                    try target.copyFrom(try args.tensor(2, "value"))
                }
                return .none
            }
        }
        type.bound("gather", doc: """
            t:gather(dim, index) -> Tensor
            Picks along dim by a tensor of 1-based positions (torch.gather): for dim 2, out[i][j] = t[i][index[i][j]].
            index has t's rank and t's sizes except along dim; the result has index's shape. Differentiable in t.
            """) { t, args in
            let d = try args.dimension(1, rank: t.rank)
            let index = try args.indexTensor(2, "index", bound: t.shape[d < 0 ? d + t.rank : d])
            return try args.returning(tensor: try t.gather(d, index: index))
        }
        type.bound("index_select", doc: """
            t:index_select(dim, index) -> Tensor
            The entries of dim at the 1-based positions of the 1-D tensor index, in its order (repeats allowed), as torch.index_select.
            t:index_select(1, mv.tensor{3, 1}) takes rows 3 and 1; the result's dim has #index entries. Differentiable in t.
            """) { t, args in
            let d = try args.dimension(1, rank: t.rank)
            let index = try args.indexTensor(2, "index", bound: t.shape[d < 0 ? d + t.rank : d])
            return try args.returning(tensor: try t.indexSelect(d, index: index))
        }
        type.bound("argsort", doc: """
            t:argsort([dim [, descending]]) -> Tensor
            The 1-based positions that sort t along dim (default -1, the last), ascending unless descending is true, as torch.argsort.
            The sort is stable (equal values keep their order); the result is not differentiable. Use t:gather(dim, order) to sort.
            """) { t, args in
            let d = try args.optionalDimension(1, rank: Swift.max(t.rank, 1)) ?? -1
            let order = try t.argsort(d, descending: try args.optionalBool(2, "descending") ?? false)
            return try args.returning(tensor: try order + 1)
        }
        type.bound("masked_fill", doc: """
            t:masked_fill(mask, value) -> Tensor
            A copy of t with the number value where mask is non-zero (torch.masked_fill); mask broadcasts with t.
            Not in place; the gradient flows to t where mask is 0. Attention masking: scores:masked_fill(pad, -math.huge).
            """) { t, args in
            let mask = try args.tensor(1, "mask")
            return try args.returning(tensor: try t.maskedFill(mask, Float(try args.number(2, "value"))))
        }
    }

    /// One element: a number, as Lua code expects of t[i]; but a 0-d tensor when t requires grad and gradients are
    /// recorded, as PyTorch's t[i] (a number would silently cut the gradient: w * w[{1, 2}]).
    private static func element(_ t: Tensor, at position: [Int], _ args: LuaArgs) throws -> LuaReturn {
        guard GradMode.isEnabled && t.requiresGrad else { return try args.returning(Double(try t.value(at: position))) }
        var view = t
        for p in position { view = try view.select(0, p) }
        return try args.returning(tensor: view)
    }

    /// A tensor as a key (`t[idx]`) is not PyTorch's advanced indexing here: say what does that, rather than
    /// the generic "expected an integer".
    static func refuseTensorKey(_ args: LuaArgs) throws {
        guard args.type(1) == .userdata else { return }
        throw args.error("a Tensor cannot be a key: t:index_select(1, idx) takes the rows at a tensor of 1-based positions, t[idx:item()] one position")
    }

    private static func rowPosition(_ t: Tensor, _ args: LuaArgs) throws -> Int {
        guard let rows = t.shape.first else { throw args.error("a 0-d tensor cannot be indexed (use item())") }
        return try args.position(1, "index", size: rows)
    }

    static func install(_ state: LuaState) throws {
        try LuaLibraryChunk.run(state, EmbeddedLua.tensorIndexing)
    }
}

/// Torch7's table index `t[{i, {a, b}, {}}]`: per leading dimension a number selects one position (the dimension
/// goes), `{a, b}` keeps positions a..b, `{a}` keeps position a as a dimension of size 1 and `{}` keeps all; missing
/// entries keep whole dimensions. Positions are 1-based, negative ones count from the end. A number for every
/// dimension addresses one element.
struct TorchIndex {
    enum Target {
        case element([Int])
        case view(Tensor)
    }

    private enum Entry {
        case position(Int)
        case range(Int, Int)
    }

    private let entries: [Entry]

    init(_ args: LuaArgs, _ t: Tensor) throws {
        guard case .array(let items) = try args.value(1, "index", maxDepth: 3) else {
            throw args.argumentError(1, "index", expected: "an array such as {2, 3} or {{1, 2}, {}}")
        }
        guard items.count <= t.rank else {
            throw args.error("\(items.count) index entries for a tensor with \(t.rank) dimension\(t.rank == 1 ? "" : "s") \(Shape.describe(t.shape))")
        }
        entries = try items.enumerated().map { d, item in
            let size = t.shape[d]
            func position(_ value: LuaValue) throws -> Int {
                let p: Int
                switch value {
                case .integer(let i): p = i
                case .number(let x) where x.rounded() == x && Swift.abs(x) < 1e15: p = Int(x)
                default: throw args.error("entry \(d + 1): expected a position, got \(LuaArgs.kind(of: value))")
                }
                guard p != 0, p >= -size, p <= size else {
                    throw args.error("entry \(d + 1): position \(p) is out of range for dimension \(d + 1) of size \(size)")
                }
                return p > 0 ? p - 1 : size + p
            }
            switch item {
            case .integer, .number:
                return .position(try position(item))
            case .array(let bounds) where bounds.count <= 2:
                guard let first = bounds.first else { return .range(0, size - 1) }
                let a = try position(first), b = try bounds.count == 2 ? position(bounds[1]) : a
                guard a <= b else { throw args.error("entry \(d + 1): empty range {\(a + 1), \(b + 1)} (the last position comes before the first)") }
                return .range(a, b)
            default:
                throw args.error("entry \(d + 1): expected a position or a range {first, last} ({} for all), got \(LuaArgs.kind(of: item))")
            }
        }
    }

    func apply(to t: Tensor) throws -> Target {
        if entries.count == t.rank, entries.count > 0 {
            let positions = entries.compactMap { entry -> Int? in if case .position(let p) = entry { return p } else { return nil } }
            if positions.count == t.rank { return .element(positions) }
        }
        var view = t, dim = 0
        for entry in entries {
            switch entry {
            case .position(let p):
                view = try view.select(dim, p)
            case .range(let a, let b):
                view = try view.narrow(dim, start: a, length: b - a + 1)
                dim += 1
            }
        }
        return .view(view)
    }
}
