import MindTensor

/// `t[i]` (entry i along dimension 1: a number for a 1-D tensor, a view otherwise), `t[i] = v` (a number or a
/// broadcast tensor, written in place), `gather`, `index_select`, `argsort` and `masked_fill`. Positions and the
/// values of index tensors are 1-based; negative positions count from the end.
enum TensorIndexing {
    static func define(_ type: LuaUserdataType<Tensor>) {
        // Reached through __index/__newindex (below) for number keys; "__" names stay out of REPL completion.
        type.method("__getitem") { t, args in
            let args = args.renamed("Tensor[i]")
            return try BindingCall.run(args) {
                let position = try rowPosition(t, args)
                if t.rank == 1 { return try args.returning(Double(try t.value(at: [position]))) }
                return try args.returning(tensor: try t.select(0, position))
            }
        }
        // t[i] = v for number keys, t.grad = g, and an error for anything else.
        type.method("__setitem") { t, args in
            try BindingCall.run(args.renamed("Tensor[i] assignment")) {
                if args.type(1) == .string {
                    let key = try args.string(1, "key")
                    guard key == "grad" else { throw LuaBindingError("Tensor has no settable field '\(key)'") }
                    try AutogradBindings.assignGradient(t, args.renamed("Tensor.grad"), 2)
                    return .none
                }
                let args = args.renamed("Tensor[i] assignment")
                let row = try t.select(0, try rowPosition(t, args))
                if args.type(2) == .number {
                    try row.fill(Float(try args.number(2, "value")))
                } else {
                    guard args.type(2) == .userdata else { throw args.argumentError(2, "value", expected: "a number or a Tensor") }
                    try row.copyFrom(try args.tensor(2, "value"))
                }
                return .none
            }
        }
        type.bound("gather") { t, args in
            let d = try args.dimension(1, rank: t.rank)
            let index = try args.indexTensor(2, "index", bound: t.shape[d < 0 ? d + t.rank : d])
            return try args.returning(tensor: try t.gather(d, index: index))
        }
        type.bound("index_select") { t, args in
            let d = try args.dimension(1, rank: t.rank)
            let index = try args.indexTensor(2, "index", bound: t.shape[d < 0 ? d + t.rank : d])
            return try args.returning(tensor: try t.indexSelect(d, index: index))
        }
        type.bound("argsort") { t, args in
            let d = try args.optionalDimension(1, rank: Swift.max(t.rank, 1)) ?? -1
            let order = try t.argsort(d, descending: try args.optionalBool(2, "descending") ?? false)
            return try args.returning(tensor: try order + 1)
        }
        type.bound("masked_fill") { t, args in
            let mask = try args.tensor(1, "mask")
            return try args.returning(tensor: try t.maskedFill(mask, Float(try args.number(2, "value"))))
        }
    }

    private static func rowPosition(_ t: Tensor, _ args: LuaArgs) throws -> Int {
        guard let rows = t.shape.first else { throw args.error("a 0-d tensor cannot be indexed (use item())") }
        return try args.position(1, "index", size: rows)
    }

    static func install(_ state: LuaState) throws {
        try LuaLibraryChunk.run(state, EmbeddedLua.tensorIndexing)
    }
}
