/// Group norm (torch.nn.GroupNorm) over [N, C, ...]; `weight` 1, `bias` 0 at start.
public final class GroupNorm: Module, Layer {
    public let groups: Int, channels: Int, eps: Float
    public let weight: Tensor?, bias: Tensor?

    public init(_ groups: Int, _ channels: Int, eps: Float = 1e-5, affine: Bool = true) throws {
        guard groups > 0, channels > 0, channels % groups == 0 else {
            throw TensorError("GroupNorm: \(channels) channels cannot be split into \(groups) groups")
        }
        (self.groups, self.channels, self.eps) = (groups, channels, eps)
        weight = affine ? try Tensor.ones([channels]) : nil
        bias = affine ? try Tensor.zeros([channels]) : nil
        super.init()
        if let weight, let bias {
            try registerParameter("weight", weight)
            try registerParameter("bias", bias)
        }
    }

    public override var summary: String { "groups=\(groups), channels=\(channels), eps=\(eps)" }

    public func forward(_ x: Tensor) throws -> Tensor {
        try x.groupNorm(groups: groups, weight: weight, bias: bias, eps: eps)
    }

    /// `self(x).silu()` fused (see `Tensor.groupNormSiLU`), in this module's error context.
    public func silu(_ x: Tensor) throws -> Tensor {
        try scoped { try x.groupNormSiLU(groups: groups, weight: weight, bias: bias, eps: eps) }
    }
}
