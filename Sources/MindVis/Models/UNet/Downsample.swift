import MindTensor

/// Halves H and W with a learned 3x3 convolution of stride 2 and padding 1 (`Downsample` with
/// `conv_resample`, parameter `op`).
public final class Downsample: Module, Layer {
    public let op: Conv2d

    public init(channels: Int, generator: Generator = .default) throws {
        op = try Conv2d(channels, channels, kernelSize: 3, stride: 2, padding: 1, generator: generator)
        super.init()
        registerModule("op", op)
    }

    public func forward(_ x: Tensor) throws -> Tensor { try op(x) }
}
