/// Parameter-free layers wrapping one op, so they can sit in a `Sequential`.
public final class GELU: Module, Layer {
    public let approximate: Bool

    /// `approximate: false` is the exact erf form (timm's default); `true` the tanh form.
    public init(approximate: Bool = false) {
        self.approximate = approximate
        super.init()
    }

    public override var summary: String { approximate ? "approximate=tanh" : "" }

    public func forward(_ x: Tensor) throws -> Tensor { try x.gelu(approximate: approximate) }
}

public final class SiLU: Module, Layer {
    public func forward(_ x: Tensor) throws -> Tensor { try x.silu() }
}

public final class ReLU: Module, Layer {
    public func forward(_ x: Tensor) throws -> Tensor { try x.relu() }
}

public final class Tanh: Module, Layer {
    public func forward(_ x: Tensor) throws -> Tensor { try x.tanh() }
}

public final class Sigmoid: Module, Layer {
    public func forward(_ x: Tensor) throws -> Tensor { try x.sigmoid() }
}

public final class Identity: Module, Layer {
    public func forward(_ x: Tensor) throws -> Tensor { x }
}
