/// How a loss combines its per-element (per-sample for cross-entropy) terms, as PyTorch's `reduction`.
public enum LossReduction: String, CaseIterable, Sendable {
    case mean, sum, none
}

/// Loss functions, `reduction` as in PyTorch (default "mean").
extension Tensor {
    private func checkSameShape(_ target: Tensor, op: String) throws {
        guard shape == target.shape else {
            throw TensorError("\(op): prediction \(Shape.describe(shape)) and target \(Shape.describe(target.shape)) differ in shape")
        }
        guard numel > 0 else { throw TensorError("\(op): empty prediction") }
    }

    private func reduced(_ reduction: LossReduction) throws -> Tensor {
        switch reduction {
        case .mean: return try mean()
        case .sum: return try sum()
        case .none: return self
        }
    }

    /// Squared error.
    public func mseLoss(_ target: Tensor, reduction: LossReduction = .mean) throws -> Tensor {
        try checkSameShape(target, op: "mse_loss")
        let diff = try self - target
        return try (diff * diff).reduced(reduction).recordedAs("mse_loss")
    }

    /// Absolute error.
    public func l1Loss(_ target: Tensor, reduction: LossReduction = .mean) throws -> Tensor {
        try checkSameShape(target, op: "l1_loss")
        return try (self - target).abs().reduced(reduction).recordedAs("l1_loss")
    }

    /// Cross-entropy of logits [N, C] against class indices [N] (integers stored as floats). With label smoothing ε
    /// the target is (1 − ε) on the class plus ε/C on every class, as PyTorch: the per-sample loss is
    /// −(1 − ε)·log p[target] − ε/C·Σ_c log p[c].
    public func crossEntropy(_ target: Tensor, reduction: LossReduction = .mean, labelSmoothing: Double = 0) throws -> Tensor {
        let op = "cross_entropy"
        guard rank == 2 else { throw TensorError("\(op): logits must be [N, C], got \(Shape.describe(shape))") }
        guard target.shape == [shape[0]] else {
            throw TensorError("\(op): target \(Shape.describe(target.shape)) must be [\(shape[0])] class indices for logits \(Shape.describe(shape))")
        }
        guard shape[0] > 0 else { throw TensorError("\(op): empty batch") }
        guard (0...1).contains(labelSmoothing) else { throw TensorError("\(op): label_smoothing must be in [0, 1], got \(labelSmoothing)") }
        let logProbabilities = try logSoftmax(1)
        var perSample = try logProbabilities.gather(1, index: target.reshape([shape[0], 1])).reshape([shape[0]]).neg()
        if labelSmoothing > 0 {
            let uniform = try logProbabilities.mean(1).neg()
            perSample = try perSample * Float(1 - labelSmoothing) + uniform * Float(labelSmoothing)
        }
        return try perSample.reduced(reduction).recordedAs("cross_entropy")
    }
}
