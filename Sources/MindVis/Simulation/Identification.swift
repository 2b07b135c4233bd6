import MindTensor

/// Identification accuracy of predicted feature vectors against the true ones, by Pearson correlation.
public struct IdentificationResult: Sendable {
    public let items: Int
    /// Mean over items i and distractors j ≠ i of [r(pred_i, true_i) > r(pred_i, true_j)] (ties count ½);
    /// chance 0.5.
    public let pairwise: Double
    /// Fraction of items whose prediction correlates best with their own true vector (ties shared); chance
    /// 1/items.
    public let top1: Double
    /// items × items correlations, row = prediction, column = true vector.
    public let correlations: [Double]
}

public enum Identification {
    /// `predicted` and `actual` are items × features, row-major. A constant row has correlation 0 with
    /// everything.
    public static func evaluate(predicted: [Float], actual: [Float], items: Int, features: Int) throws -> IdentificationResult {
        guard items >= 2 else { throw TensorError("identification: need at least 2 items, got \(items)") }
        guard features >= 2 else { throw TensorError("identification: need at least 2 features, got \(features)") }
        let (count, overflow) = items.multipliedReportingOverflow(by: features)
        guard !overflow, predicted.count == count, actual.count == count else {
            throw TensorError("identification: expected \(items) × \(features) values in both arrays, got \(predicted.count) predicted and \(actual.count) actual")
        }
        guard predicted.allSatisfy({ $0.isFinite }), actual.allSatisfy({ $0.isFinite }) else {
            throw TensorError("identification: values must be finite (found NaN or infinity)")
        }
        let p = centeredUnitRows(predicted, rows: items, columns: features)
        let a = centeredUnitRows(actual, rows: items, columns: features)
        var r = [Double](repeating: 0, count: items * items)
        p.withUnsafeBufferPointer { pp in
            a.withUnsafeBufferPointer { pa in
                r.withUnsafeMutableBufferPointer { o in
                    BLAS.dgemm(transposeB: true, m: items, n: items, k: features, a: pp.baseAddress!, lda: features,
                               b: pa.baseAddress!, ldb: features, c: o.baseAddress!, ldc: items)
                }
            }
        }
        let (pairwise, top1) = scores(r, items: items)
        return IdentificationResult(items: items, pairwise: pairwise, top1: top1, correlations: r)
    }

    /// Pairwise and top-1 identification from an items × items similarity matrix (row = prediction, column = true
    /// item; larger = more alike): mean over i and j ≠ i of [s_ii > s_ij] (ties ½), and the fraction of rows whose
    /// own column is the largest (ties shared).
    static func scores(_ r: [Double], items: Int) -> (pairwise: Double, top1: Double) {
        var pairwise = 0.0
        var top1 = 0.0
        for i in 0..<items {
            let own = r[i * items + i]
            var wins = 0.0
            var beaten = false
            var ties = 0
            for j in 0..<items where j != i {
                let other = r[i * items + j]
                if own > other {
                    wins += 1
                } else if own == other {
                    wins += 0.5
                    ties += 1
                } else {
                    beaten = true
                }
            }
            pairwise += wins / Double(items - 1)
            if !beaten { top1 += 1 / Double(ties + 1) }
        }
        return (pairwise / Double(items), top1 / Double(items))
    }

    /// Rows minus their mean, scaled to unit length (constant rows become zero), in double precision.
    static func centeredUnitRows(_ values: [Float], rows: Int, columns: Int) -> [Double] {
        var out = [Double](repeating: 0, count: rows * columns)
        for i in 0..<rows {
            var mean = 0.0
            for j in 0..<columns { mean += Double(values[i * columns + j]) }
            mean /= Double(columns)
            var norm = 0.0
            for j in 0..<columns {
                let v = Double(values[i * columns + j]) - mean
                out[i * columns + j] = v
                norm += v * v
            }
            let scale = norm > 0 ? 1 / norm.squareRoot() : 0
            for j in 0..<columns { out[i * columns + j] *= scale }
        }
        return out
    }
}
