import MindTensor

/// Pair-wise identification (REFERENCE.md §7.2, `pair_wise_score` in `eval_metrics.py`): for the sample of
/// item i, s = m(sample_i, GT_i) competes with m(sample_i, GT_j) for every other item j; the item's score is
/// the fraction of j where the ground truth wins strictly (lower MSE, higher PCC or SSIM). Reported: the mean
/// over items, then over sample columns. A 2-way identification accuracy in [0, 1]; chance 0.5.
public struct PairwiseIdentification: Sendable {
    public var metrics: [PairwiseMetric]
    /// Quirk-compatible scores: images become bytes by truncation and MSE subtracts and squares them in uint8, as
    /// the reference does, so differences wrap modulo 256 (its published numbers carry this); off by default, where
    /// bytes are rounded and MSE is computed in float.
    public var mseUInt8Wraparound: Bool

    public init(metrics: [PairwiseMetric] = PairwiseMetric.allCases, mseUInt8Wraparound: Bool = false) {
        (self.metrics, self.mseUInt8Wraparound) = (metrics, mseUInt8Wraparound)
    }

    public struct Result: Sendable {
        /// Per metric, per sample column, the score of each item.
        public let itemScores: [PairwiseMetric: [[Double]]]
        public var chance: Double { 0.5 }

        /// Per sample column, the mean over items.
        public func columns(_ metric: PairwiseMetric) -> [Double]? {
            itemScores[metric].map { $0.map { $0.reduce(0, +) / Double(Swift.max($0.count, 1)) } }
        }

        /// The mean over items, then over sample columns (nil for a metric that was not computed).
        public func mean(_ metric: PairwiseMetric) -> Double? {
            columns(metric).map { $0.reduce(0, +) / Double(Swift.max($0.count, 1)) }
        }
    }

    /// Scores `samples` ([N, K, 3, H, W] or [N, 3, H, W], values in [0, 1]) against `groundTruth` [N, 3, H, W].
    public func evaluate(groundTruth: Tensor, samples: Tensor) throws -> Result {
        guard !metrics.isEmpty else { throw TensorError("pair-wise identification: no metrics chosen") }
        let images = try SampleColumns(groundTruth: groundTruth, samples: samples, operation: "pair-wise identification")
        let truth = try ByteImages(images.groundTruth, truncating: mseUInt8Wraparound)
        let columns = try images.columns.map { try ByteImages($0, truncating: mseUInt8Wraparound) }
        var scores: [PairwiseMetric: [[Double]]] = [:]
        for metric in metrics where scores[metric] == nil {
            scores[metric] = try columns.map { column in
                let matrix = try metric.scores(samples: column, groundTruth: truth, uint8Wraparound: mseUInt8Wraparound)
                return PairwiseIdentification.itemScores(matrix, items: images.items, lowerIsBetter: metric.lowerIsBetter)
            }
        }
        return Result(itemScores: scores)
    }

    /// The validation metrics of diffusion training: `pairwise_pcc` and `pairwise_ssim` (generated [M, S, C, H, W]
    /// against ground truth [M, C, H, W], both in [0, 1]) averaged over the sample columns, and the best column of
    /// each (`..._max`, the reference's "(max)"). The first selects the best checkpoint.
    public static func validationMetrics(generated: Tensor, truth: Tensor) throws -> [(name: String, value: Double)] {
        let result = try PairwiseIdentification(metrics: [.pcc, .ssim]).evaluate(groundTruth: truth, samples: generated)
        return [PairwiseMetric.pcc, .ssim].flatMap { metric -> [(name: String, value: Double)] in
            let key = ImageScores.pairwiseKey(metric), columns = result.columns(metric) ?? []
            return [(key, result.mean(metric) ?? 0), (key + "_max", columns.max() ?? 0)]
        }
    }

    /// Per row i of the N × N matrix, the fraction of j ≠ i whose entry the diagonal entry beats strictly.
    static func itemScores(_ matrix: [Double], items n: Int, lowerIsBetter: Bool) -> [Double] {
        (0..<n).map { i in
            let own = matrix[i * n + i]
            let wins = (0..<n).filter { j in
                j != i && (lowerIsBetter ? own < matrix[i * n + j] : own > matrix[i * n + j])
            }.count
            return Double(wins) / Double(n - 1)
        }
    }
}
