/// timm's ViT attention: one fused `qkv` Linear(dim, 3*dim), scaled dot-product attention over
/// `heads` heads, and the output projection `proj` — the self-attention of the MAE's blocks.
public final class MultiheadAttention: Module, Layer {
    public let dim: Int, heads: Int
    public let qkv: Linear, proj: Linear

    public init(dim: Int, heads: Int, qkvBias: Bool = true, generator: Generator = .default) throws {
        guard heads > 0, dim % heads == 0 else {
            throw TensorError("MultiheadAttention: width \(dim) is not divisible by \(heads) heads")
        }
        (self.dim, self.heads) = (dim, heads)
        qkv = try Linear(dim, 3 * dim, bias: qkvBias, generator: generator)
        proj = try Linear(dim, dim, generator: generator)
        super.init()
        registerModule("qkv", qkv)
        registerModule("proj", proj)
    }

    public override var summary: String { "dim=\(dim), heads=\(heads)" }

    /// x: [B, T, dim] -> [B, T, dim].
    public func forward(_ x: Tensor) throws -> Tensor {
        let fused = try qkv(x)
        let mixed = try Tensor.selfAttention(qkv: fused, heads: heads)
        return try proj(mixed)
    }
}

/// The latent-diffusion attention with separate projections `to_q`, `to_k`, `to_v` (no bias) and
/// `to_out.0` (with bias): self-attention when no context is given, cross-attention to a context
/// sequence (the fMRI tokens) otherwise.
public final class CrossAttention: Module, Layer {
    public let queryDim: Int, contextDim: Int, heads: Int, headDim: Int
    public let toQ: Linear, toK: Linear, toV: Linear, toOut: Sequential

    public init(queryDim: Int, contextDim: Int? = nil, heads: Int, headDim: Int, generator: Generator = .default) throws {
        guard heads > 0, headDim > 0 else { throw TensorError("CrossAttention: heads and head size must be positive") }
        let inner = heads * headDim, ctx = contextDim ?? queryDim
        (self.queryDim, self.contextDim, self.heads, self.headDim) = (queryDim, ctx, heads, headDim)
        toQ = try Linear(queryDim, inner, bias: false, generator: generator)
        toK = try Linear(ctx, inner, bias: false, generator: generator)
        toV = try Linear(ctx, inner, bias: false, generator: generator)
        toOut = Sequential(try Linear(inner, queryDim, generator: generator))
        super.init()
        registerModule("to_q", toQ)
        registerModule("to_k", toK)
        registerModule("to_v", toV)
        registerModule("to_out", toOut)
    }

    /// Attention probabilities ([B, heads, Tq, Tk] floats) larger than this many bytes are not kept for the
    /// backward pass: the attention core is re-run from q, k and v when its gradient is needed
    /// (`Tensor.checkpoint`). A UNet training step on 32x32 latents then holds one block's probabilities at a
    /// time instead of every block's. 0 always recomputes; `Int.max` never does.
    public var recomputeProbabilitiesAbove = 16 << 20

    public override var summary: String { "query=\(queryDim), context=\(contextDim), heads=\(heads), head_dim=\(headDim)" }

    public func forward(_ x: Tensor) throws -> Tensor { try forward(x, context: nil) }

    /// `forward(x, context:)` under the module's registered name.
    public func callAsFunction(_ x: Tensor, context: Tensor?) throws -> Tensor { try scoped { try forward(x, context: context) } }

    /// x: [B, Tq, queryDim], context: [B, Tk, contextDim] (nil: attend to x) -> [B, Tq, queryDim].
    public func forward(_ x: Tensor, context: Tensor?) throws -> Tensor {
        let source = context ?? x
        let q = try toQ(x)
        let k = try toK(source)
        let v = try toV(source)
        let heads = heads
        let core = { (qkv: [Tensor]) in try Tensor.attention(query: qkv[0], key: qkv[1], value: qkv[2], heads: heads) }
        // In Double: shapes are checked by the attention itself, and their product may not fit an Int.
        let probabilityBytes = q.rank == 3 && k.rank == 3 ? Double(q.shape[0] * heads) * Double(q.shape[1]) * Double(k.shape[1] * 4) : 0
        let recompute = probabilityBytes > Double(recomputeProbabilitiesAbove)
        let mixed = recompute ? try Tensor.checkpoint([q, k, v], core) : try core([q, k, v])
        return try toOut(mixed)
    }
}
