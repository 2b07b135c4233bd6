extension Tensor {
    /// Rows of `weight` [V, D] picked by integer indices of any shape: result shape `indices.shape + [D]`.
    public static func embedding(_ indices: Tensor, weight: Tensor) throws -> Tensor {
        guard weight.rank == 2 else { throw TensorError("embedding: weight must be [num_embeddings, dim], got \(Shape.describe(weight.shape))") }
        let rows = try weight.indexSelect(0, index: indices.reshape([-1]))
        return try rows.reshape(indices.shape + [weight.shape[1]])
    }
}
