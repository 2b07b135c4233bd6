import MindTensor

/// The scores of one set of images against the ground truth (generated samples, the ridge baseline's
/// reconstructions, VQ reconstructions as a ceiling): the pieces of `eval.json`. Keys follow the reference's
/// metric names: `top1_50way` (`top-1-class`), `top1_50way_max` (`top-1-class (max)`), `pairwise_mse`,
/// `pairwise_pcc`, `pairwise_ssim` (`pair-wise_*`).
public struct ImageScores: Sendable {
    /// nil when no judge was given.
    public let classification: NWayClassification.Result?
    public let pairwise: PairwiseIdentification.Result
    /// Sample columns scored.
    public let columns: Int

    public init(classification: NWayClassification.Result?, pairwise: PairwiseIdentification.Result, columns: Int) {
        (self.classification, self.pairwise, self.columns) = (classification, pairwise, columns)
    }

    /// Every score by its key, in report order.
    public var values: [(String, ConfigValue)] { entries.map { ($0.key, .double($0.value)) } }

    /// The chance level of every score, under the same keys (1/n for n-way, 0.5 pair-wise).
    public var chance: [(String, ConfigValue)] { entries.map { ($0.key, .double($0.chance)) } }

    public var entries: [(key: String, value: Double, chance: Double)] {
        var out: [(String, Double, Double)] = []
        if let c = classification {
            out.append((ImageScores.top1Key(ways: c.ways), c.mean, c.chance))
            out.append((ImageScores.top1Key(ways: c.ways) + "_max", c.max, c.chance))
        }
        for metric in PairwiseMetric.allCases {
            if let v = pairwise.mean(metric) { out.append((ImageScores.pairwiseKey(metric), v, pairwise.chance)) }
        }
        return out
    }

    public static func top1Key(ways: Int) -> String { "top1_\(ways)way" }
    public static func pairwiseKey(_ metric: PairwiseMetric) -> String { "pairwise_\(metric.rawValue)" }
}
