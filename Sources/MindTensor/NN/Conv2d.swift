/// 2-D convolution (torch.nn.Conv2d); `weight` [out, in, k, k], `bias` [out].
public final class Conv2d: Module, Layer {
    public let inChannels: Int, outChannels: Int, kernelSize: Int, stride: Int, padding: Int
    public let weight: Tensor
    public let bias: Tensor?

    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
                bias: Bool = true, generator: Generator = .default) throws {
        guard inChannels > 0, outChannels > 0, kernelSize > 0, stride > 0, padding >= 0 else {
            throw TensorError("Conv2d: invalid configuration in=\(inChannels), out=\(outChannels), kernel=\(kernelSize), stride=\(stride), padding=\(padding)")
        }
        (self.inChannels, self.outChannels, self.kernelSize, self.stride, self.padding) = (inChannels, outChannels, kernelSize, stride, padding)
        let fanIn = inChannels * kernelSize * kernelSize
        weight = try Init.defaultUniform(shape: [outChannels, inChannels, kernelSize, kernelSize], fanIn: fanIn, generator: generator)
        self.bias = bias ? try Init.defaultUniform(shape: [outChannels], fanIn: fanIn, generator: generator) : nil
        super.init()
        try registerParameter("weight", weight)
        if let b = self.bias { try registerParameter("bias", b) }
    }

    public override var summary: String { "in=\(inChannels), out=\(outChannels), kernel=\(kernelSize), stride=\(stride), padding=\(padding)" }

    public func forward(_ x: Tensor) throws -> Tensor {
        try x.conv2d(weight: weight, bias: bias, stride: (stride, stride), padding: Padding2D(padding))
    }
}
