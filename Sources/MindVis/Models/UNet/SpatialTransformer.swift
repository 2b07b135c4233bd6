import MindTensor

/// Attention over the pixels of a feature map, conditioned on a context sequence (`SpatialTransformer`):
/// GroupNorm (eps 1e-6), 1x1 `proj_in`, the map as H*W tokens through `transformer_blocks`, 1x1
/// `proj_out` (zero-initialised) back to a map, added to the input.
public final class SpatialTransformer: Module {
    public let channels: Int, innerDim: Int
    public let norm: GroupNorm
    public let projIn: Conv2d
    public let transformerBlocks: ModuleList<BasicTransformerBlock>
    public let projOut: Conv2d

    public init(channels: Int, heads: Int, headDim: Int, depth: Int, contextDim: Int, generator: Generator = .default) throws {
        let inner = heads * headDim
        (self.channels, innerDim) = (channels, inner)
        norm = try GroupNorm(UNetConfig.normGroups, channels, eps: 1e-6)
        projIn = try Conv2d(channels, inner, kernelSize: 1, generator: generator)
        transformerBlocks = ModuleList(try (0..<depth).map { _ in
            try BasicTransformerBlock(dim: inner, heads: heads, headDim: headDim, contextDim: contextDim, generator: generator)
        })
        projOut = try Conv2d(inner, channels, kernelSize: 1, generator: generator)
        try Init.constant(projOut.weight, 0)
        if let b = projOut.bias { try Init.constant(b, 0) }
        super.init()
        registerModule("norm", norm)
        registerModule("proj_in", projIn)
        registerModule("transformer_blocks", transformerBlocks)
        registerModule("proj_out", projOut)
    }

    public override var summary: String {
        "channels=\(channels), heads=\(transformerBlocks.items.first?.attn1.heads ?? 0), depth=\(transformerBlocks.count)"
    }

    public func callAsFunction(_ x: Tensor, context: Tensor?) throws -> Tensor { try scoped { try forward(x, context: context) } }

    /// x [B, channels, H, W], context [B, Tc, contextDim] -> [B, channels, H, W].
    public func forward(_ x: Tensor, context: Tensor?) throws -> Tensor {
        guard x.rank == 4, x.shape[1] == channels else {
            throw TensorError("spatial transformer: expects [B, \(channels), H, W], got \(Shape.describe(x.shape))")
        }
        let (b, h, w) = (x.shape[0], x.shape[2], x.shape[3])
        let projected = try projIn(norm(x))
        var tokens = try projected.reshape([b, innerDim, h * w]).transpose(1, 2)
        for block in transformerBlocks.items { tokens = try block(tokens, context: context) }
        let map = try tokens.transpose(1, 2).reshape([b, innerDim, h, w])
        return try projOut(map) + x
    }
}
