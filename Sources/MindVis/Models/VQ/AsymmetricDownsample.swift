import MindTensor

/// The VQ encoder's `Downsample` with a convolution: zero padding of one pixel on the right and bottom only,
/// then a 3×3 convolution of stride 2 without padding (torch has no asymmetric padding; we pass it to the
/// convolution directly instead of copying a padded input).
public final class AsymmetricDownsample: Module, Layer {
    public let conv: Conv2d

    public init(channels: Int, generator: Generator) throws {
        conv = try Conv2d(channels, channels, kernelSize: 3, stride: 2, padding: 0, generator: generator)
        super.init()
        registerModule("conv", conv)
    }

    public func forward(_ x: Tensor) throws -> Tensor {
        try conv.scoped {
            try x.conv2d(weight: conv.weight, bias: conv.bias, stride: (2, 2), padding: Padding2D(top: 0, bottom: 1, left: 0, right: 1))
        }
    }
}
