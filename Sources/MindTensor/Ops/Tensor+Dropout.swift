extension Tensor {
    /// Inverted dropout: zeroes each element with probability `p` and scales the rest by 1/(1-p)
    /// during training; the identity otherwise.
    public func dropout(_ p: Float, training: Bool, generator: Generator = .default) throws -> Tensor {
        guard p >= 0 && p < 1 else { throw TensorError("dropout: probability must be in [0, 1), got \(p)") }
        if !training || p == 0 { return self }
        let mask = try Tensor.empty(shape, op: "dropout")
        generator.fillBernoulli(mask.data, count: mask.numel, keep: 1 - p, scale: 1 / (1 - p))
        return try self * mask
    }

}
