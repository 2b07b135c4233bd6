/// y = x W^T + b (torch.nn.Linear); parameters `weight` [out, in] and `bias` [out].
public final class Linear: Module, Layer {
    public let inFeatures: Int, outFeatures: Int
    public let weight: Tensor
    public let bias: Tensor?

    public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true, generator: Generator = .default) throws {
        guard inFeatures > 0, outFeatures > 0 else {
            throw TensorError("Linear: feature sizes must be positive, got in=\(inFeatures), out=\(outFeatures)")
        }
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        let fanIn = inFeatures
        weight = try Init.defaultUniform(shape: [outFeatures, inFeatures], fanIn: fanIn, generator: generator)
        self.bias = bias ? try Init.defaultUniform(shape: [outFeatures], fanIn: fanIn, generator: generator) : nil
        super.init()
        try registerParameter("weight", weight)
        if let b = self.bias { try registerParameter("bias", b) }
    }

    public override var summary: String { "in=\(inFeatures), out=\(outFeatures), bias=\(bias != nil)" }

    public func forward(_ x: Tensor) throws -> Tensor {
        try x.linear(weight: weight, bias: bias)
    }
}
