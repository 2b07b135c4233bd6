import MindTensor

/// `mv.tensor`, `mv.zeros`, `mv.ones`, `mv.full`, `mv.rand`, `mv.randn`, `mv.arange`, `mv.linspace`, `mv.eye`,
/// `mv.randperm`, the `*_like` forms and `mv.manual_seed`. Random tensors draw from `Generator.default`, so
/// `mv.manual_seed` makes a script reproducible.
enum TensorConstructors {
    /// The largest `randperm`: float32 holds every integer up to 2^24 exactly.
    static let maxExactInteger = 1 << 24

    static func install(_ state: LuaState) throws {
        try state.bind("mv", "tensor", doc: """
            mv.tensor(data) -> Tensor
            A new tensor from nested tables of numbers, mv.tensor{{1, 2}, {3, 4}} (shape [2, 2]), as torch.tensor; every value becomes float32.
            A number gives a 0-d tensor; a Tensor gives a copy without autograd history. Ragged tables are an error naming the position.
            """) { args in
            guard args.count <= 1 else { throw args.error("expected one argument (nested tables of numbers), got \(args.count)") }
            return try args.returning(tensor: try TensorTables.read(args, 1, "data"))
        }
        let sized: [(String, String, ([Int]) throws -> Tensor)] = [
            ("zeros", "A tensor of zeros of the given size (torch.zeros)", { try Tensor.zeros($0) }),
            ("ones", "A tensor of ones of the given size (torch.ones)", { try Tensor.ones($0) }),
            ("rand", "Uniform random numbers in [0, 1) of the given size (torch.rand), from the generator mv.manual_seed seeds", { try Tensor.rand($0) }),
            ("randn", "Standard normal random numbers (mean 0, std 1) of the given size (torch.randn), from the generator mv.manual_seed seeds",
             { try Tensor.randn($0) }),
        ]
        for (name, summary, make) in sized {
            try state.bind("mv", name, doc: """
                mv.\(name)(size...) -> Tensor
                \(summary).
                Sizes as arguments or one table: mv.\(name)(2, 3) or mv.\(name){2, 3}; no size gives a 0-d tensor.
                """) { args in try args.returning(tensor: try make(try args.sizes(from: 1))) }
        }
        try state.bind("mv", "full", doc: """
            mv.full(size, value) -> Tensor
            A tensor of the given size filled with the number value (torch.full); size is an integer or a table: mv.full({2, 3}, 7).
            """) { args in
            // mv.full({2, 3}, 7) or mv.full(5, 7)
            let shape = args.type(1) == .table ? try args.integerArray(1, "size", min: 0, max: Shape.maxElements)
                : [try args.integer(1, "size", min: 0, max: Shape.maxElements)]
            guard args.count <= 2 else { throw args.error("expected a size and a value, got \(args.count) arguments") }
            return try args.returning(tensor: try Tensor.full(shape, Float(try args.number(2, "value"))))
        }
        try state.bind("mv", "arange", doc: """
            mv.arange([start,] end [, step]) -> Tensor
            The 1-D tensor start, start + step, ... up to but excluding end (torch.arange); start defaults to 0, step to 1.
            Values, not positions, so they start at 0 as in PyTorch: mv.arange(3) is [0, 1, 2]. step may be negative or fractional, not 0.
            """) { args in
            guard args.count <= 3 else { throw args.error("expected (end) or (start, end [, step]), got \(args.count) arguments") }
            if args.count <= 1 { return try args.returning(tensor: try Tensor.arange(try args.number(1, "end"))) }
            let start = try args.number(1, "start"), end = try args.number(2, "end")
            return try args.returning(tensor: try Tensor.arange(start, end, step: try args.optionalNumber(3, "step") ?? 1))
        }
        try state.bind("mv", "linspace", doc: """
            mv.linspace(start, end, steps) -> Tensor
            steps evenly spaced values from start to end, both included (torch.linspace); one step gives {start}, zero an empty tensor.
            """) { args in
            let start = try args.number(1, "start"), end = try args.number(2, "end")
            let steps = try args.integer(3, "steps", min: 0, max: Shape.maxElements)
            guard start.isFinite, end.isFinite else { throw args.error("start and end must be finite, got \(start) and \(end)") }
            let out = try Tensor.empty([steps], op: "linspace")
            let step = steps > 1 ? (end - start) / Double(steps - 1) : 0
            for i in 0..<steps { out.data[i] = Float(start + Double(i) * step) }
            return try args.returning(tensor: out)
        }
        try state.bind("mv", "eye", doc: """
            mv.eye(n [, m]) -> Tensor
            The [n, m] matrix (m defaults to n) with ones on the diagonal and zeros elsewhere (torch.eye).
            """) { args in
            let rows = try args.integer(1, "n", min: 0, max: Shape.maxElements)
            let columns = try args.optionalInteger(2, "m", min: 0, max: Shape.maxElements) ?? rows
            let out = try Tensor.zeros([rows, columns])
            for i in 0..<Swift.min(rows, columns) { out.data[i * columns + i] = 1 }
            return try args.returning(tensor: out)
        }
        try state.bind("mv", "randperm", doc: """
            mv.randperm(n) -> Tensor
            A random permutation of 1...n as a 1-D tensor (1-based, unlike torch.randperm's 0...n-1), from the seeded generator.
            Ready for index_select and t[i]: x:index_select(1, mv.randperm(x:size(1))) shuffles rows. n is at most 2^24.
            """) { args in
            let n = try args.integer(1, "n", min: 0, max: maxExactInteger)
            let permutation = Generator.default.permutation(n).map { Float($0 + 1) }
            return try args.returning(tensor: try Tensor(permutation, shape: [n]))
        }
        let like: [(String, String, ([Int]) throws -> Tensor)] = [
            ("zeros_like", "zeros", { try Tensor.zeros($0) }), ("ones_like", "ones", { try Tensor.ones($0) }),
            ("rand_like", "uniform random numbers in [0, 1)", { try Tensor.rand($0) }),
            ("randn_like", "standard normal random numbers", { try Tensor.randn($0) }),
        ]
        for (name, contents, make) in like {
            try state.bind("mv", name, doc: """
                mv.\(name)(input) -> Tensor
                A new tensor of input's shape filled with \(contents) (torch.\(name)); input's values are not read.
                """) { args in try args.returning(tensor: try make(try args.tensor(1, "input").shape)) }
        }
        try state.bind("mv", "full_like", doc: """
            mv.full_like(input, value) -> Tensor
            A new tensor of input's shape filled with the number value (torch.full_like).
            """) { args in
            let shape = try args.tensor(1, "input").shape
            return try args.returning(tensor: try Tensor.full(shape, Float(try args.number(2, "value"))))
        }
        try state.bind("mv", "manual_seed", doc: """
            mv.manual_seed(seed)
            Re-seeds the generator behind mv.rand, mv.randn, mv.randperm, dropout and weight initialisation (torch.manual_seed).
            Any integer; the same seed gives the same numbers on every run. Without a call the seed is 2022.
            """) { args in
            let seed = try args.integer(1, "seed")
            manualSeed(UInt64(bitPattern: Int64(seed)))
            return .none
        }
    }
}
