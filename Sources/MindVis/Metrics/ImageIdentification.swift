import MindTensor

/// The reference's pair-wise identification of generated images (REFERENCE.md §7.2), in pixel space and without a
/// judge network: for generated image i, the fraction of other items j whose ground truth is less similar to it than
/// its own (ties ½); 0.5 is chance. Scored per sample column (the k-th sample of every item), as the reference does.
/// Similarities are Pearson r of the flattened images (scale-free, so [0, 1] floats give the reference's uint8 values
/// up to rounding) or SSIM with data range 1. MSE is left out: the reference computes it on wrapping uint8 values.
public enum ImageIdentification {
    public enum Similarity: String, CaseIterable { case pcc, ssim }

    /// Pair-wise identification accuracy of each sample column: generated [N, S, C, H, W] and ground truth [N, C, H, W]
    /// in [0, 1], N >= 2.
    public static func pairwise(generated: Tensor, truth: Tensor, similarity: Similarity) throws -> [Double] {
        guard generated.rank == 5, truth.rank == 4, generated.shape[0] == truth.shape[0], Array(generated.shape.dropFirst(2)) == Array(truth.shape.dropFirst()) else {
            throw TensorError("identification: generated images [N, S, C, H, W] and ground truth [N, C, H, W] must match, got \(Shape.describe(generated.shape)) and \(Shape.describe(truth.shape))")
        }
        let (n, columns) = (generated.shape[0], generated.shape[1])
        guard n >= 2 else { throw TensorError("identification: needs at least 2 items, got \(n)") }
        let truth = try truth.contiguous()
        return try (0..<columns).map { s in
            let column = try generated.select(1, s).contiguous()
            switch similarity {
            case .pcc:
                return try Identification.evaluate(predicted: column.toArray(), actual: truth.toArray(), items: n, features: truth.numel / n).pairwise
            case .ssim:
                var matrix: [Double] = []
                for i in 0..<n {
                    let repeated = try column.narrow(0, start: i, length: 1).expand(truth.shape).contiguous()
                    matrix += try structuralSimilarity(repeated, truth, dataRange: 1)
                }
                return Identification.scores(matrix, items: n).pairwise
            }
        }
    }

    /// The default validation metrics of diffusion training: `pairwise_pcc` and `pairwise_ssim` averaged over the
    /// sample columns, and the best column of each (`..._max`, the reference's "(max)").
    public static func metrics(generated: Tensor, truth: Tensor) throws -> [(name: String, value: Double)] {
        var out: [(name: String, value: Double)] = []
        for similarity in Similarity.allCases {
            let columns = try pairwise(generated: generated, truth: truth, similarity: similarity)
            out.append(("pairwise_\(similarity.rawValue)", columns.reduce(0, +) / Double(columns.count)))
            out.append(("pairwise_\(similarity.rawValue)_max", columns.max() ?? 0))
        }
        return out
    }
}
