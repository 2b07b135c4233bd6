/// Loss functions with PyTorch's default `reduction='mean'`.
extension Tensor {
    private func checkSameShape(_ target: Tensor, op: String) throws {
        guard shape == target.shape else {
            throw TensorError("\(op): prediction \(Shape.describe(shape)) and target \(Shape.describe(target.shape)) differ in shape")
        }
        guard numel > 0 else { throw TensorError("\(op): empty prediction") }
    }

    /// Mean squared error.
    public func mseLoss(_ target: Tensor) throws -> Tensor {
        try checkSameShape(target, op: "mse_loss")
        let diff = try self - target
        return try (diff * diff).mean()
    }

    /// Mean absolute error.
    public func l1Loss(_ target: Tensor) throws -> Tensor {
        try checkSameShape(target, op: "l1_loss")
        return try (self - target).abs().mean()
    }

    /// Cross-entropy of logits [N, C] against class indices [N] (integers stored as floats).
    public func crossEntropy(_ target: Tensor) throws -> Tensor {
        let op = "cross_entropy"
        guard rank == 2 else { throw TensorError("\(op): logits must be [N, C], got \(Shape.describe(shape))") }
        guard target.shape == [shape[0]] else {
            throw TensorError("\(op): target \(Shape.describe(target.shape)) must be [\(shape[0])] class indices for logits \(Shape.describe(shape))")
        }
        guard shape[0] > 0 else { throw TensorError("\(op): empty batch") }
        let picked = try logSoftmax(1).gather(1, index: target.reshape([shape[0], 1]))
        return try picked.mean().neg()
    }
}
