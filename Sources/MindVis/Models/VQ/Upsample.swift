import MindTensor

/// The reference's `Upsample` with a convolution: nearest-neighbour ×2, then a same-padded 3×3 convolution.
public final class Upsample: Module, Layer {
    public let conv: Conv2d

    public init(channels: Int, generator: Generator) throws {
        conv = try Conv2d(channels, channels, kernelSize: 3, padding: 1, generator: generator)
        super.init()
        registerModule("conv", conv)
    }

    public func forward(_ x: Tensor) throws -> Tensor {
        try conv(x.upsampleNearest2x())
    }
}
