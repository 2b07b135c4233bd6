import MindTensor

enum AttentionBindings: LuaBindingSet {
    static func install(_ state: LuaState) throws {
        try state.bind("mv.nn", "MultiheadAttention", doc: """
            mv.nn.MultiheadAttention{dim =, heads = [, qkv_bias = true]} -> Module
            timm's ViT self-attention: one fused qkv Linear(dim, 3·dim), softmax(q·kᵀ/√d)·v per head, then proj; attn(x) for x [B, T, dim].
            dim = required  -- token width
            heads = required  -- number of heads (dim must be divisible by it)
            qkv_bias = true  -- bias on the fused qkv projection
            """) { args in
            let options = try args.options(1)
            let dim = try LayerArguments.requiredSize(options, "dim", args)
            let heads = try LayerArguments.requiredSize(options, "heads", args)
            return try args.returning(module: try MultiheadAttention(dim: dim, heads: heads, qkvBias: try options.bool("qkv_bias", default: true)))
        }
        try state.bind("mv.nn", "CrossAttention", doc: """
            mv.nn.CrossAttention{query_dim =, heads =, head_dim = [, context_dim]} -> Module
            The latent-diffusion attention (to_q, to_k, to_v without bias, to_out.0): attn(x [, context]) attends from x [B, Tq, query_dim] to context [B, Tk, context_dim], or to x itself.
            query_dim = required  -- width of x
            heads = required  -- number of heads
            head_dim = required  -- width of each head
            context_dim = query_dim  -- width of the context tokens
            """) { args in
            let options = try args.options(1)
            let queryDim = try LayerArguments.requiredSize(options, "query_dim", args)
            let contextDim = try options.integer("context_dim", min: 1, max: Shape.maxElements)
            let heads = try LayerArguments.requiredSize(options, "heads", args)
            let headDim = try LayerArguments.requiredSize(options, "head_dim", args)
            let (inner, overflow) = heads.multipliedReportingOverflow(by: headDim)
            guard !overflow, inner <= Shape.maxElements else {
                throw args.error("heads x head_dim = \(heads) x \(headDim) is too large")
            }
            return try args.returning(module: try CrossAttention(queryDim: queryDim, contextDim: contextDim, heads: heads, headDim: headDim))
        }
        try state.bind("mv.nn", "TransformerBlock", doc: """
            mv.nn.TransformerBlock{dim =, heads = [, mlp_ratio = 4, eps = 1e-5]} -> Module
            timm's pre-norm ViT block: x + attn(norm1(x)), then + mlp(norm2(x)) with an exact-GELU MLP (the MAE's blocks).
            dim = required  -- token width
            heads = required  -- attention heads
            mlp_ratio = 4  -- hidden width of the MLP as a multiple of dim
            eps = 1e-5  -- LayerNorm epsilon
            """) { args in
            let options = try args.options(1)
            let dim = try LayerArguments.requiredSize(options, "dim", args)
            let heads = try LayerArguments.requiredSize(options, "heads", args)
            let ratio = try options.number("mlp_ratio", default: 4)
            guard ratio > 0, ratio.isFinite, Double(dim) * ratio <= Double(Shape.maxElements) else {
                throw args.error("option 'mlp_ratio': expected a positive number giving at most \(Shape.maxElements) hidden units, got \(ratio)")
            }
            return try args.returning(module: try TransformerBlock(dim: dim, heads: heads, mlpRatio: ratio, eps: try LayerArguments.eps(options, args)))
        }
    }
}

extension CrossAttention: LuaCallableModule {
    /// `attn(x [, context])`.
    func callFromLua(_ args: LuaArgs) throws -> LuaReturn {
        try LayerArguments.noExtraArguments(args, 2)
        return try args.returning(tensor: try self(try args.tensor(1, "x"), context: try args.optionalTensor(2, "context")))
    }
}
