import MindTensor

/// How loaders z-score test data (REFERENCE.md §10, item 2).
public enum TestNormalization: String, CaseIterable {
    /// Test rows use the raw training statistics: the same transform as the training rows.
    case corrected
    /// The reference's behaviour, needed to reproduce its checkpoints: GOD test rows are "normalised"
    /// with the statistics of the already normalised training rows (≈ 0 and 1, so they stay in raw
    /// units); BOLD5000 z-scores the whole subject, test trials included.
    case reference

    static func parse(_ text: String, context: String) throws -> TestNormalization {
        guard let mode = TestNormalization(rawValue: text) else {
            throw TensorError("\(context): normalize must be \"corrected\" or \"reference\", got \"\(text)\"")
        }
        return mode
    }
}
