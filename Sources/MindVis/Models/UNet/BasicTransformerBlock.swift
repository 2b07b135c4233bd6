import MindTensor

/// One transformer layer over image tokens (`BasicTransformerBlock`): pre-norm self-attention `attn1`,
/// cross-attention `attn2` whose keys and values come from the context, and the GEGLU feed-forward `ff`,
/// each added back to its input. Children are registered in the reference's order (attn1, ff, attn2,
/// norm1..3), so the state dict lists them as PyTorch does.
public final class BasicTransformerBlock: Module {
    public let attn1: CrossAttention, ff: FeedForward, attn2: CrossAttention
    public let norm1: LayerNorm, norm2: LayerNorm, norm3: LayerNorm

    public init(dim: Int, heads: Int, headDim: Int, contextDim: Int, generator: Generator = .default) throws {
        attn1 = try CrossAttention(queryDim: dim, heads: heads, headDim: headDim, generator: generator)
        ff = try FeedForward(dim: dim, generator: generator)
        attn2 = try CrossAttention(queryDim: dim, contextDim: contextDim, heads: heads, headDim: headDim, generator: generator)
        norm1 = try LayerNorm(dim)
        norm2 = try LayerNorm(dim)
        norm3 = try LayerNorm(dim)
        super.init()
        registerModule("attn1", attn1)
        registerModule("ff", ff)
        registerModule("attn2", attn2)
        registerModule("norm1", norm1)
        registerModule("norm2", norm2)
        registerModule("norm3", norm3)
    }

    public func callAsFunction(_ x: Tensor, context: Tensor?) throws -> Tensor { try scoped { try forward(x, context: context) } }

    /// x [B, T, dim], context [B, Tc, contextDim] (nil: attn2 attends to x as well) -> [B, T, dim].
    public func forward(_ x: Tensor, context: Tensor?) throws -> Tensor {
        var h = try attn1(norm1(x), context: nil) + x
        h = try attn2(norm2(h), context: context) + h
        return try ff(norm3(h)) + h
    }
}
