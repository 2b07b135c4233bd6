import MindTensor

/// The pixel metrics of the pair-wise identification (REFERENCE.md §7.2, `eval_metrics.py`), computed as the
/// reference computes them: on images scaled to bytes (0…255), the colour channel last.
public enum PairwiseMetric: String, CaseIterable, Sendable {
    /// Mean squared difference (lower is better). In float by default; `mse_metric` of the reference
    /// subtracts and squares uint8 arrays, so both wrap modulo 256 (`PairwiseIdentification.mseUInt8Wraparound`).
    case mse
    /// Pearson correlation of the flattened images (`np.corrcoef`; higher is better).
    case pcc
    /// scikit-image's `structural_similarity(data_range=255, channel_axis=-1)` (higher is better).
    case ssim

    var lowerIsBetter: Bool { self == .mse }

    /// S[i][j] = metric(sample i, ground truth j), row-major N × N, for N images of each.
    func scores(samples: ByteImages, groundTruth: ByteImages, uint8Wraparound: Bool) throws -> [Double] {
        let n = samples.count, size = samples.size
        switch self {
        case .mse:
            var out = [Double](repeating: 0, count: n * n)
            for i in 0..<n {
                for j in 0..<n {
                    var total = 0.0
                    let a = i * size, b = j * size
                    if uint8Wraparound {
                        // numpy: uint8 - uint8 and np.square of uint8 both stay uint8.
                        for p in 0..<size {
                            let d = samples.bytes[a + p] &- groundTruth.bytes[b + p]
                            total += Double(d &* d)
                        }
                    } else {
                        for p in 0..<size {
                            let d = Double(samples.bytes[a + p]) - Double(groundTruth.bytes[b + p])
                            total += d * d
                        }
                    }
                    out[i * n + j] = total / Double(size)
                }
            }
            return out
        case .pcc:
            return try Identification.evaluate(predicted: samples.floats, actual: groundTruth.floats, items: n, features: size).correlations
        case .ssim:
            let truth = try groundTruth.tensor(), generated = try samples.tensor()
            var out: [Double] = []
            for i in 0..<n {
                // Sample i beside every ground truth: the SSIM of each pair.
                let repeated = try generated.narrow(0, start: i, length: 1).expand(truth.shape).contiguous()
                out += try structuralSimilarity(repeated, truth, dataRange: 255)
            }
            return out
        }
    }
}
