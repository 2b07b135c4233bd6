import MindTensor

/// The reference's `ResnetBlock` without a timestep embedding (the VQ autoencoder passes none):
/// GroupNorm(32, eps 1e-6) → swish → conv 3×3 → GroupNorm → swish → dropout → conv 3×3, added to the input,
/// which a 1×1 `nin_shortcut` brings to the output width when the widths differ.
public final class ResnetBlock: Module, Layer {
    public let inChannels: Int, outChannels: Int
    public let norm1: GroupNorm, conv1: Conv2d, norm2: GroupNorm, dropout: Dropout, conv2: Conv2d
    public let ninShortcut: Conv2d?

    public init(inChannels: Int, outChannels: Int, dropout p: Double, generator: Generator) throws {
        (self.inChannels, self.outChannels) = (inChannels, outChannels)
        norm1 = try vqNormalize(inChannels)
        conv1 = try Conv2d(inChannels, outChannels, kernelSize: 3, padding: 1, generator: generator)
        norm2 = try vqNormalize(outChannels)
        dropout = try Dropout(Float(p), generator: generator)
        conv2 = try Conv2d(outChannels, outChannels, kernelSize: 3, padding: 1, generator: generator)
        ninShortcut = inChannels == outChannels ? nil : try Conv2d(inChannels, outChannels, kernelSize: 1, generator: generator)
        super.init()
        registerModule("norm1", norm1)
        registerModule("conv1", conv1)
        registerModule("norm2", norm2)
        registerModule("dropout", dropout)
        registerModule("conv2", conv2)
        if let ninShortcut { registerModule("nin_shortcut", ninShortcut) }
    }

    public override var summary: String { "in=\(inChannels), out=\(outChannels)" }

    public func forward(_ x: Tensor) throws -> Tensor {
        var h = try conv1(norm1.silu(x))
        h = try conv2(dropout(norm2.silu(h)))
        let skip = try ninShortcut.map { try $0(x) } ?? x
        return try skip + h
    }
}

/// The reference's `Normalize`: GroupNorm with 32 groups, eps 1e-6, affine.
func vqNormalize(_ channels: Int) throws -> GroupNorm {
    try GroupNorm(VQConfig.normGroups, channels, eps: 1e-6)
}
