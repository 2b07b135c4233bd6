/// A lookup table (torch.nn.Embedding); `weight` [count, dim] drawn from N(0, 1).
public final class Embedding: Module, Layer {
    public let count: Int, dim: Int
    public let weight: Tensor

    public init(_ count: Int, _ dim: Int, generator: Generator = .default) throws {
        guard count > 0, dim > 0 else { throw TensorError("Embedding: sizes must be positive, got \(count) x \(dim)") }
        (self.count, self.dim) = (count, dim)
        weight = try Tensor.randn([count, dim], generator: generator)
        super.init()
        try registerParameter("weight", weight)
    }

    public override var summary: String { "count=\(count), dim=\(dim)" }

    /// Looks up integer indices of any shape; the result has one more dimension of size `dim`.
    public func forward(_ indices: Tensor) throws -> Tensor {
        try Tensor.embedding(indices, weight: weight)
    }
}
