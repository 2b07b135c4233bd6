/// Layer norm over the last dimension (torch.nn.LayerNorm); `weight` 1, `bias` 0 at start.
public final class LayerNorm: Module, Layer {
    public let size: Int, eps: Float
    public let weight: Tensor?, bias: Tensor?

    public init(_ size: Int, eps: Float = 1e-5, affine: Bool = true) throws {
        guard size > 0 else { throw TensorError("LayerNorm: size must be positive, got \(size)") }
        (self.size, self.eps) = (size, eps)
        weight = affine ? try Tensor.ones([size]) : nil
        bias = affine ? try Tensor.zeros([size]) : nil
        super.init()
        if let weight, let bias {
            try registerParameter("weight", weight)
            try registerParameter("bias", bias)
        }
    }

    public override var summary: String { "size=\(size), eps=\(eps)" }

    public func forward(_ x: Tensor) throws -> Tensor {
        try x.layerNorm(weight: weight, bias: bias, eps: eps)
    }
}
