import MindTensor

/// `mv.tensor`, `mv.zeros`, `mv.ones`, `mv.full`, `mv.rand`, `mv.randn`, `mv.arange`, `mv.linspace`, `mv.eye`,
/// `mv.randperm`, the `*_like` forms and `mv.manual_seed`. Random tensors draw from `Generator.default`, so
/// `mv.manual_seed` makes a script reproducible.
enum TensorConstructors {
    /// The largest `randperm`: float32 holds every integer up to 2^24 exactly.
    static let maxExactInteger = 1 << 24

    static func install(_ state: LuaState) throws {
        try state.bind("mv", "tensor") { args in
            guard args.count <= 1 else { throw args.error("expected one argument (nested tables of numbers), got \(args.count)") }
            return try args.returning(tensor: try TensorTables.read(args, 1, "data"))
        }
        try state.bind("mv", "zeros") { args in try args.returning(tensor: try Tensor.zeros(try args.sizes(from: 1))) }
        try state.bind("mv", "ones") { args in try args.returning(tensor: try Tensor.ones(try args.sizes(from: 1))) }
        try state.bind("mv", "rand") { args in try args.returning(tensor: try Tensor.rand(try args.sizes(from: 1))) }
        try state.bind("mv", "randn") { args in try args.returning(tensor: try Tensor.randn(try args.sizes(from: 1))) }
        try state.bind("mv", "full") { args in
            // mv.full({2, 3}, 7) or mv.full(5, 7)
            let shape = args.type(1) == .table ? try args.integerArray(1, "size", min: 0, max: Shape.maxElements)
                : [try args.integer(1, "size", min: 0, max: Shape.maxElements)]
            guard args.count <= 2 else { throw args.error("expected a size and a value, got \(args.count) arguments") }
            return try args.returning(tensor: try Tensor.full(shape, Float(try args.number(2, "value"))))
        }
        try state.bind("mv", "arange") { args in
            guard args.count <= 3 else { throw args.error("expected (end) or (start, end [, step]), got \(args.count) arguments") }
            if args.count <= 1 { return try args.returning(tensor: try Tensor.arange(try args.number(1, "end"))) }
            let start = try args.number(1, "start"), end = try args.number(2, "end")
            return try args.returning(tensor: try Tensor.arange(start, end, step: try args.optionalNumber(3, "step") ?? 1))
        }
        try state.bind("mv", "linspace") { args in
            let start = try args.number(1, "start"), end = try args.number(2, "end")
            let steps = try args.integer(3, "steps", min: 0, max: Shape.maxElements)
            guard start.isFinite, end.isFinite else { throw args.error("start and end must be finite, got \(start) and \(end)") }
            let out = try Tensor.empty([steps], op: "linspace")
            let step = steps > 1 ? (end - start) / Double(steps - 1) : 0
            for i in 0..<steps { out.data[i] = Float(start + Double(i) * step) }
            return try args.returning(tensor: out)
        }
        try state.bind("mv", "eye") { args in
            let rows = try args.integer(1, "n", min: 0, max: Shape.maxElements)
            let columns = try args.optionalInteger(2, "m", min: 0, max: Shape.maxElements) ?? rows
            let out = try Tensor.zeros([rows, columns])
            for i in 0..<Swift.min(rows, columns) { out.data[i * columns + i] = 1 }
            return try args.returning(tensor: out)
        }
        try state.bind("mv", "randperm") { args in
            let n = try args.integer(1, "n", min: 0, max: maxExactInteger)
            let permutation = Generator.default.permutation(n).map { Float($0 + 1) }
            return try args.returning(tensor: try Tensor(permutation, shape: [n]))
        }
        try state.bind("mv", "zeros_like") { args in try args.returning(tensor: try Tensor.zeros(try args.tensor(1, "input").shape)) }
        try state.bind("mv", "ones_like") { args in try args.returning(tensor: try Tensor.ones(try args.tensor(1, "input").shape)) }
        try state.bind("mv", "rand_like") { args in try args.returning(tensor: try Tensor.rand(try args.tensor(1, "input").shape)) }
        try state.bind("mv", "randn_like") { args in try args.returning(tensor: try Tensor.randn(try args.tensor(1, "input").shape)) }
        try state.bind("mv", "full_like") { args in
            let shape = try args.tensor(1, "input").shape
            return try args.returning(tensor: try Tensor.full(shape, Float(try args.number(2, "value"))))
        }
        try state.register(table: "mv", name: "manual_seed") { args in
            let seed = try args.integer(1, "seed")
            manualSeed(UInt64(bitPattern: Int64(seed)))
            return .none
        }
    }
}
