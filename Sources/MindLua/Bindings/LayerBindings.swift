import MindTensor

/// The layer constructors of `mv.nn` (PyTorch names and defaults) and how a Swift module is called from Lua.
///
///     mv.nn.Linear(in, out [, {bias = true}])          mv.nn.Embedding(count, dim)      (indices are 1-based)
///     mv.nn.Conv1d / Conv2d(in, out, k [, {stride = 1, padding = 0, bias = true}])
///     mv.nn.LayerNorm(d [, {eps = 1e-5, elementwise_affine = true}])
///     mv.nn.GroupNorm(groups, channels [, {eps = 1e-5, affine = true}])
///     mv.nn.Dropout([p = 0.5])   mv.nn.GELU([{approximate = "none" | "tanh"}])   SiLU ReLU Tanh Sigmoid Identity
///     mv.nn.MultiheadAttention{dim =, heads = [, qkv_bias = true]}                  attn(x)
///     mv.nn.CrossAttention{query_dim =, heads =, head_dim = [, context_dim]}      attn(x [, context])
///     mv.nn.TransformerBlock{dim =, heads = [, mlp_ratio = 4, eps = 1e-5]}
enum LayerBindings: LuaBindingSet {
    /// Strides and paddings above this are refused before the engine computes output sizes from them.
    static let maxStrideOrPadding = 1 << 20

    static func install(_ state: LuaState) throws {
        try state.bind("mv.nn", "Linear") { args in
            let (i, o) = (try features(args, 1, "in_features"), try features(args, 2, "out_features"))
            let options = try args.options(3, allowed: ["bias"])
            return try args.returning(module: try Linear(i, o, bias: try options.bool("bias", default: true)))
        }
        for twoD in [false, true] {
            try state.bind("mv.nn", twoD ? "Conv2d" : "Conv1d") { args in
                let (i, o) = (try features(args, 1, "in_channels"), try features(args, 2, "out_channels"))
                let k = try features(args, 3, "kernel_size")
                let options = try args.options(4, allowed: ["stride", "padding", "bias"])
                let stride = try options.integer("stride", default: 1, min: 1, max: maxStrideOrPadding)
                let padding = try options.integer("padding", default: 0, min: 0, max: maxStrideOrPadding)
                let bias = try options.bool("bias", default: true)
                let module: Module = twoD ? try Conv2d(i, o, kernelSize: k, stride: stride, padding: padding, bias: bias)
                    : try Conv1d(i, o, kernelSize: k, stride: stride, padding: padding, bias: bias)
                return try args.returning(module: module)
            }
        }
        try state.bind("mv.nn", "LayerNorm") { args in
            let d = try features(args, 1, "normalized_shape")
            let options = try args.options(2, allowed: ["eps", "elementwise_affine"])
            return try args.returning(module: try LayerNorm(d, eps: try eps(options, args),
                                                            affine: try options.bool("elementwise_affine", default: true)))
        }
        try state.bind("mv.nn", "GroupNorm") { args in
            let (groups, channels) = (try features(args, 1, "num_groups"), try features(args, 2, "num_channels"))
            let options = try args.options(3, allowed: ["eps", "affine"])
            return try args.returning(module: try GroupNorm(groups, channels, eps: try eps(options, args),
                                                            affine: try options.bool("affine", default: true)))
        }
        try state.bind("mv.nn", "Embedding") { args in
            let (count, dim) = (try features(args, 1, "num_embeddings"), try features(args, 2, "embedding_dim"))
            return try args.returning(module: try Embedding(count, dim))
        }
        try state.bind("mv.nn", "Dropout") { args in
            try noExtraArguments(args, 1)
            return try args.returning(module: try Dropout(Float(try args.optionalNumber(1, "p") ?? 0.5)))
        }
        try state.bind("mv.nn", "GELU") { args in
            let options = try args.options(1, allowed: ["approximate"])
            let approximate = try TensorMath.geluApproximation(try options.value("approximate")) {
                args.error("option 'approximate': expected 'none', 'tanh' or a boolean")
            }
            return try args.returning(module: GELU(approximate: approximate))
        }
        let activations: [(String, () -> Module)] = [("SiLU", { SiLU() }), ("ReLU", { ReLU() }), ("Tanh", { Tanh() }),
                                                      ("Sigmoid", { Sigmoid() }), ("Identity", { Identity() })]
        for (name, make) in activations {
            try state.bind("mv.nn", name) { args in
                try noExtraArguments(args, 0)
                return try args.returning(module: make())
            }
        }
        try state.bind("mv.nn", "MultiheadAttention") { args in
            let options = try args.options(1, allowed: ["dim", "heads", "qkv_bias"])
            let dim = try required(options.integer("dim", min: 1, max: Shape.maxElements), "dim", args)
            let heads = try required(options.integer("heads", min: 1, max: Shape.maxElements), "heads", args)
            return try args.returning(module: try MultiheadAttention(dim: dim, heads: heads,
                                                                     qkvBias: try options.bool("qkv_bias", default: true)))
        }
        try state.bind("mv.nn", "CrossAttention") { args in
            let options = try args.options(1, allowed: ["query_dim", "context_dim", "heads", "head_dim"])
            let queryDim = try required(options.integer("query_dim", min: 1, max: Shape.maxElements), "query_dim", args)
            let contextDim = try options.integer("context_dim", min: 1, max: Shape.maxElements)
            let heads = try required(options.integer("heads", min: 1, max: Shape.maxElements), "heads", args)
            let headDim = try required(options.integer("head_dim", min: 1, max: Shape.maxElements), "head_dim", args)
            let (inner, overflow) = heads.multipliedReportingOverflow(by: headDim)
            guard !overflow, inner <= Shape.maxElements else {
                throw args.error("heads x head_dim = \(heads) x \(headDim) is too large")
            }
            return try args.returning(module: try CrossAttention(queryDim: queryDim, contextDim: contextDim, heads: heads, headDim: headDim))
        }
        try state.bind("mv.nn", "TransformerBlock") { args in
            let options = try args.options(1, allowed: ["dim", "heads", "mlp_ratio", "eps"])
            let dim = try required(options.integer("dim", min: 1, max: Shape.maxElements), "dim", args)
            let heads = try required(options.integer("heads", min: 1, max: Shape.maxElements), "heads", args)
            let ratio = try options.number("mlp_ratio", default: 4)
            guard ratio > 0, ratio.isFinite, Double(dim) * ratio <= Double(Shape.maxElements) else {
                throw args.error("option 'mlp_ratio': expected a positive number giving at most \(Shape.maxElements) hidden units, got \(ratio)")
            }
            return try args.returning(module: try TransformerBlock(dim: dim, heads: heads, mlpRatio: ratio, eps: try eps(options, args)))
        }
    }

    /// `m(...)` for the engine's modules: one input tensor for every `Layer`, 1-based indices for `Embedding`, an
    /// optional context for `CrossAttention`. Types bound with their own `__call` (the models) never get here.
    static func call(_ module: Module, _ args: LuaArgs) throws -> LuaReturn {
        try BindingCall.run(args) {
            switch module {
            case let embedding as Embedding:
                try noExtraArguments(args, 1)
                return try args.returning(tensor: try embedding(try args.indexTensor(1, "indices", bound: embedding.count)))
            case let attention as CrossAttention:
                try noExtraArguments(args, 2)
                return try args.returning(tensor: try attention(try args.tensor(1, "x"), context: try args.optionalTensor(2, "context")))
            case is ScriptModule:
                throw args.error("this is the core of a Lua module; call the module itself")
            case let layer as Layer:
                try noExtraArguments(args, 1)
                return try args.returning(tensor: try layer(try args.tensor(1, "input")))
            default:
                throw args.error("this module cannot be called with a tensor from Lua")
            }
        }
    }

    private static func features(_ args: LuaArgs, _ i: Int, _ name: String) throws -> Int {
        try args.integer(i, name, min: 1, max: Shape.maxElements)
    }

    private static func eps(_ options: LuaOptions, _ args: LuaArgs) throws -> Float {
        let eps = try options.number("eps", default: 1e-5)
        guard eps >= 0, eps.isFinite else { throw args.error("option 'eps': expected a finite number >= 0, got \(eps)") }
        return Float(eps)
    }

    private static func required<T>(_ value: T?, _ key: String, _ args: LuaArgs) throws -> T {
        guard let value else { throw args.error("option '\(key)' is required") }
        return value
    }

    static func noExtraArguments(_ args: LuaArgs, _ expected: Int) throws {
        guard args.count <= expected else {
            throw args.error("expected at most \(expected) argument\(expected == 1 ? "" : "s"), got \(args.count)")
        }
    }
}
