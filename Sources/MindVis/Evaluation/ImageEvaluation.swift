import MindTensor

/// Everything the reference scores generated images with (REFERENCE.md §7), in one call: n-way top-1 with a
/// judge, and pair-wise identification by MSE, PCC and SSIM.
public struct ImageEvaluation: Sendable {
    public var classification: NWayClassification
    public var pairwise: PairwiseIdentification

    public init(classification: NWayClassification = NWayClassification(), pairwise: PairwiseIdentification = PairwiseIdentification()) {
        (self.classification, self.pairwise) = (classification, pairwise)
    }

    /// Scores `samples` ([N, K, 3, H, W] or [N, 3, H, W] in [0, 1]) against `groundTruth` [N, 3, H, W]. Without
    /// a judge only the pair-wise scores are computed; `trueLabels` are the items' classes in the judge's
    /// numbering, needed when the classification's labels are the true ones.
    public func evaluate(groundTruth: Tensor, samples: Tensor, judge: ImageJudge?, trueLabels: [Int]? = nil) throws -> ImageScores {
        let identification = try pairwise.evaluate(groundTruth: groundTruth, samples: samples)
        let top1 = try judge.map { try classification.evaluate(judge: $0, groundTruth: groundTruth, samples: samples, trueLabels: trueLabels) }
        // The shapes were checked by the evaluations above.
        return ImageScores(classification: top1, pairwise: identification, columns: samples.rank == 5 ? samples.shape[1] : 1)
    }
}
