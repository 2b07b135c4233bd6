/// timm's `Mlp`: fc1 -> GELU (exact) -> fc2, parameters `fc1.*`, `fc2.*`.
public final class MLP: Module, Layer {
    public let fc1: Linear, fc2: Linear

    public init(dim: Int, hidden: Int, generator: Generator = .default) throws {
        fc1 = try Linear(dim, hidden, generator: generator)
        fc2 = try Linear(hidden, dim, generator: generator)
        super.init()
        registerModule("fc1", fc1)
        registerModule("fc2", fc2)
    }

    public func forward(_ x: Tensor) throws -> Tensor {
        let h = try fc1(x).gelu()
        return try fc2(h)
    }
}

/// timm's pre-norm ViT `Block`: x + attn(norm1(x)), then x + mlp(norm2(x)); parameter names
/// `norm1.*`, `attn.qkv.*`, `attn.proj.*`, `norm2.*`, `mlp.fc1.*`, `mlp.fc2.*` as in the reference.
public final class TransformerBlock: Module, Layer {
    public let norm1: LayerNorm, attn: MultiheadAttention, norm2: LayerNorm, mlp: MLP

    public init(dim: Int, heads: Int, mlpRatio: Double, eps: Float = 1e-5, generator: Generator = .default) throws {
        guard mlpRatio > 0 else { throw TensorError("TransformerBlock: mlp_ratio must be positive, got \(mlpRatio)") }
        norm1 = try LayerNorm(dim, eps: eps)
        attn = try MultiheadAttention(dim: dim, heads: heads, generator: generator)
        norm2 = try LayerNorm(dim, eps: eps)
        mlp = try MLP(dim: dim, hidden: Int(Double(dim) * mlpRatio), generator: generator)
        super.init()
        registerModule("norm1", norm1)
        registerModule("attn", attn)
        registerModule("norm2", norm2)
        registerModule("mlp", mlp)
    }

    public override var summary: String { "dim=\(attn.dim), heads=\(attn.heads), hidden=\(mlp.fc1.outFeatures)" }

    public func forward(_ x: Tensor) throws -> Tensor {
        let n1 = try norm1(x)
        let h = try x + attn(n1)
        let n2 = try norm2(h)
        return try h + mlp(n2)
    }
}
