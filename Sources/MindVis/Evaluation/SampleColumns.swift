import MindTensor

/// The images an evaluation scores: per test item its ground truth and K samples, split into sample columns
/// (column k holds the k-th sample of every item), as the reference scores them (REFERENCE.md §7: the stack
/// [GT, s₁..s₅] per item; metrics per column, then averaged or maximised over columns).
struct SampleColumns {
    /// [N, 3, H, W] in [0, 1].
    let groundTruth: Tensor
    /// K tensors [N, 3, H, W] in [0, 1].
    let columns: [Tensor]

    var items: Int { groundTruth.shape[0] }

    /// `samples` is [N, K, 3, H, W] (K samples per item) or [N, 3, H, W] (one); `groundTruth` [N, 3, H, W].
    init(groundTruth: Tensor, samples: Tensor, operation: String) throws {
        guard groundTruth.rank == 4, groundTruth.shape[1] == 3, groundTruth.shape[0] >= 2 else {
            throw TensorError("\(operation): ground truth must be [N, 3, H, W] images with N >= 2, got \(Shape.describe(groundTruth.shape))")
        }
        let imageShape = Array(groundTruth.shape.dropFirst())
        switch samples.rank {
        case 4 where samples.shape == groundTruth.shape:
            columns = [try samples.contiguous()]
        case 5 where samples.shape[0] == groundTruth.shape[0] && Array(samples.shape.dropFirst(2)) == imageShape && samples.shape[1] > 0:
            columns = try (0..<samples.shape[1]).map { try samples.select(1, $0).contiguous() }
        default:
            throw TensorError("\(operation): samples must be [\(groundTruth.shape[0]), K, \(imageShape.map(String.init).joined(separator: ", "))] or [\(groundTruth.shape[0]), \(imageShape.map(String.init).joined(separator: ", "))] like the ground truth \(Shape.describe(groundTruth.shape)), got \(Shape.describe(samples.shape))")
        }
        self.groundTruth = try groundTruth.contiguous()
        for (name, images) in [("ground truth", self.groundTruth)] + columns.enumerated().map({ ("sample column \($0.offset + 1)", $0.element) }) {
            try SampleColumns.checkRange(images, name: name, operation: operation)
        }
    }

    /// Images on the wrong scale (the models' [−1, 1]) would be scored silently wrong: refuse them.
    static func checkRange(_ images: Tensor, name: String, operation: String) throws {
        let values = try images.toArray()
        if let bad = values.first(where: { !$0.isFinite }) {
            throw TensorError("\(operation): \(name) values must be finite and in [0, 1], found \(bad) (a diverged model's images?)")
        }
        let low = values.min() ?? 0, high = values.max() ?? 0
        guard low >= -1e-4, high <= 1 + 1e-4 else {
            throw TensorError("\(operation): \(name) values must be finite and in [0, 1], got [\(low), \(high)]; images in [−1, 1] become (x + 1) / 2 clamped to [0, 1]")
        }
    }
}
