/// Parameter initialisers (torch.nn.init), applied in place without recording gradients.
public enum Init {
    /// A new tensor drawn from U(-1/sqrt(fan_in), 1/sqrt(fan_in)): PyTorch's default for Linear and
    /// Conv weights (kaiming_uniform with a = sqrt(5)) and their biases.
    public static func defaultUniform(shape: [Int], fanIn: Int, generator: Generator = .default) throws -> Tensor {
        let bound = fanIn > 0 ? 1 / Float(fanIn).squareRoot() : 0
        return try Tensor.rand(shape, low: -bound, high: bound, generator: generator)
    }

    public static func uniform(_ t: Tensor, _ low: Float, _ high: Float, generator: Generator = .default) throws {
        try withNoGrad { try t.copyFrom(Tensor.rand(t.shape, low: low, high: high, generator: generator)) }
    }

    public static func normal(_ t: Tensor, mean: Float = 0, std: Float, generator: Generator = .default) throws {
        try withNoGrad { try t.copyFrom(Tensor.randn(t.shape, mean: mean, std: std, generator: generator)) }
    }

    /// Glorot/Xavier uniform for a [fan_out, fan_in, ...] weight.
    public static func xavierUniform(_ t: Tensor, generator: Generator = .default) throws {
        guard t.rank >= 2 else { throw TensorError("xavier_uniform: needs at least 2 dimensions, got \(Shape.describe(t.shape))") }
        let receptive = t.shape[2...].reduce(1, *)
        let fanIn = t.shape[1] * receptive, fanOut = t.shape[0] * receptive
        let bound = (6 / Float(fanIn + fanOut)).squareRoot()
        try uniform(t, -bound, bound, generator: generator)
    }

    public static func constant(_ t: Tensor, _ value: Float) throws {
        try withNoGrad { try t.fill(value) }
    }
}
