import MindTensor

/// Doubles H and W by nearest-neighbour repetition, then a same-padded 3x3 convolution (parameter `conv`): the
/// `Upsample` of the reference's UNet (with `conv_resample`) and of its VQ decoder alike.
public final class Upsample: Module, Layer {
    public let conv: Conv2d

    public init(channels: Int, generator: Generator = .default) throws {
        conv = try Conv2d(channels, channels, kernelSize: 3, padding: 1, generator: generator)
        super.init()
        registerModule("conv", conv)
    }

    public func forward(_ x: Tensor) throws -> Tensor { try conv(x.upsampleNearest2x()) }
}
