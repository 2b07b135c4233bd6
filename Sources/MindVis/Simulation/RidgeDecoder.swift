import MindTensor

/// Ridge regression from inputs (e.g. voxels) to targets (e.g. image features), with the penalty chosen by
/// K-fold cross-validation on the training set.
///
/// Inputs and targets are z-scored with training statistics. The penalty is relative: λ = α · (mean
/// squared norm of a standardized input row), so the same α grid suits any number of voxels. When there
/// are more inputs than samples the problem is solved in its dual (kernel) form with an N×N Cholesky
/// factorization; otherwise in the primal form with a P×P one. Computations are in double precision.
public struct RidgeDecoder: Sendable {
    public let inputCount: Int
    public let outputCount: Int
    /// The chosen relative penalty α and the absolute λ it gave on the full training set.
    public let penalty: Double
    public let lambda: Double
    /// Mean squared cross-validation error (standardized targets) for each α tried.
    public let crossValidation: [(penalty: Double, error: Double)]

    private let inputMean: [Double]
    private let inputScale: [Double]
    private let outputMean: [Double]
    private let outputScale: [Double]
    /// inputCount × outputCount weights in standardized units.
    private let weights: [Double]

    public static let defaultPenalties: [Double] = [0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10, 30, 100]

    /// Fits on `samples` rows of `x` (samples × inputs) and `y` (samples × outputs), both row-major.
    /// Fold membership comes from a permutation seeded by `seed`.
    public static func fit(x: [Float], y: [Float], samples: Int, penalties: [Double] = defaultPenalties,
                           folds: Int = 5, seed: UInt64 = 0) throws -> RidgeDecoder {
        guard samples >= 2 else { throw TensorError("ridge: need at least 2 samples, got \(samples)") }
        guard !x.isEmpty else { throw TensorError("ridge: x has no features (0 values per sample)") }
        guard x.count % samples == 0 else {
            throw TensorError("ridge: x has \(x.count) values, not a multiple of \(samples) samples")
        }
        guard !y.isEmpty else { throw TensorError("ridge: y has no targets (0 values per sample)") }
        guard y.count % samples == 0 else {
            throw TensorError("ridge: y has \(y.count) values, not a multiple of \(samples) samples")
        }
        guard (2...samples).contains(folds) else {
            throw TensorError("ridge: folds must be in 2...\(samples) (the sample count), got \(folds)")
        }
        guard !penalties.isEmpty, penalties.allSatisfy({ $0.isFinite && $0 > 0 }) else {
            throw TensorError("ridge: penalties must be a non-empty list of positive numbers, got \(penalties)")
        }
        guard x.allSatisfy({ $0.isFinite }), y.allSatisfy({ $0.isFinite }) else {
            throw TensorError("ridge: inputs and targets must be finite (found NaN or infinity)")
        }
        let p = x.count / samples
        let d = y.count / samples
        let (xs, inputMean, inputScale) = standardize(x, rows: samples, columns: p)
        let (ys, outputMean, outputScale) = standardize(y, rows: samples, columns: d)
        let problem = RidgeProblem(x: xs, y: ys, samples: samples, inputs: p, outputs: d)

        var rng = Xoshiro256StarStar(seed: seed, stream: SeedTag.crossValidation)
        let order = rng.permutation(samples)
        var fold = [Int](repeating: 0, count: samples)
        for (rank, row) in order.enumerated() { fold[row] = rank * folds / samples }
        var errors: [(penalty: Double, error: Double)] = []
        for alpha in penalties {
            var squared = 0.0
            for f in 0..<folds {
                let train = (0..<samples).filter { fold[$0] != f }
                let test = (0..<samples).filter { fold[$0] == f }
                let prediction = try problem.fitAndPredict(train: train, test: test, alpha: alpha)
                for (i, row) in test.enumerated() {
                    for j in 0..<d {
                        let e = prediction[i * d + j] - ys[row * d + j]
                        squared += e * e
                    }
                }
            }
            errors.append((alpha, squared / Double(samples * d)))
        }
        // Smallest error; on ties the stronger penalty.
        let best = errors.indices.min { a, b in
            errors[a].error != errors[b].error ? errors[a].error < errors[b].error : errors[a].penalty > errors[b].penalty
        }!
        let alpha = errors[best].penalty
        let (weights, lambda) = try problem.weights(alpha: alpha)
        return RidgeDecoder(inputCount: p, outputCount: d, penalty: alpha, lambda: lambda, crossValidation: errors,
                            inputMean: inputMean, inputScale: inputScale, outputMean: outputMean,
                            outputScale: outputScale, weights: weights)
    }

    /// Predictions (rows × outputCount) for `rows` rows of inputs.
    public func predict(_ x: [Float], rows: Int) throws -> [Float] {
        guard rows >= 1, x.count == rows * inputCount else {
            throw TensorError("ridge.predict: expected \(rows) × \(inputCount) = \(rows * inputCount) inputs, got \(x.count)")
        }
        var xs = [Double](repeating: 0, count: x.count)
        for r in 0..<rows {
            for c in 0..<inputCount { xs[r * inputCount + c] = (Double(x[r * inputCount + c]) - inputMean[c]) * inputScale[c] }
        }
        var out = [Double](repeating: 0, count: rows * outputCount)
        xs.withUnsafeBufferPointer { a in
            weights.withUnsafeBufferPointer { w in
                out.withUnsafeMutableBufferPointer { o in
                    BLAS.dgemm(m: rows, n: outputCount, k: inputCount, a: a.baseAddress!, lda: inputCount,
                               b: w.baseAddress!, ldb: outputCount, c: o.baseAddress!, ldc: outputCount)
                }
            }
        }
        return (0..<out.count).map { i in Float(out[i] * outputScale[i % outputCount] + outputMean[i % outputCount]) }
    }

    /// Column z-scores and the statistics used (mean, 1/sd); constant columns get scale 0, so a constant
    /// input is ignored and a constant target is predicted by its mean.
    private static func standardize(_ values: [Float], rows: Int, columns: Int) -> ([Double], [Double], [Double]) {
        var mean = [Double](repeating: 0, count: columns)
        var squares = [Double](repeating: 0, count: columns)
        for r in 0..<rows {
            for c in 0..<columns {
                let v = Double(values[r * columns + c])
                mean[c] += v
                squares[c] += v * v
            }
        }
        var scale = [Double](repeating: 0, count: columns)
        for c in 0..<columns {
            mean[c] /= Double(rows)
            let variance = max(squares[c] / Double(rows) - mean[c] * mean[c], 0)
            scale[c] = variance > 1e-12 * max(1, mean[c] * mean[c]) ? 1 / variance.squareRoot() : 0
        }
        var out = [Double](repeating: 0, count: rows * columns)
        for r in 0..<rows {
            for c in 0..<columns { out[r * columns + c] = (Double(values[r * columns + c]) - mean[c]) * scale[c] }
        }
        return (out, mean, scale)
    }

    private init(inputCount: Int, outputCount: Int, penalty: Double, lambda: Double,
                 crossValidation: [(penalty: Double, error: Double)], inputMean: [Double], inputScale: [Double],
                 outputMean: [Double], outputScale: [Double], weights: [Double]) {
        self.inputCount = inputCount
        self.outputCount = outputCount
        self.penalty = penalty
        self.lambda = lambda
        self.crossValidation = crossValidation
        self.inputMean = inputMean
        self.inputScale = inputScale
        self.outputMean = outputMean
        self.outputScale = outputScale.map { $0 > 0 ? 1 / $0 : 0 }
        self.weights = weights
    }
}

/// A standardized ridge problem that can be solved on row subsets, in primal or dual form.
private struct RidgeProblem {
    let x: [Double]
    let y: [Double]
    let samples: Int
    let inputs: Int
    let outputs: Int
    /// Full kernel X·Xᵀ (lower triangle filled, then mirrored) when the dual form is used.
    let kernel: [Double]?

    init(x: [Double], y: [Double], samples: Int, inputs: Int, outputs: Int) {
        self.x = x
        self.y = y
        self.samples = samples
        self.inputs = inputs
        self.outputs = outputs
        if inputs > samples {
            var k = [Double](repeating: 0, count: samples * samples)
            x.withUnsafeBufferPointer { a in
                k.withUnsafeMutableBufferPointer { c in
                    BLAS.dsyrkLower(transpose: false, n: samples, k: inputs, a: a.baseAddress!, lda: inputs, beta: 0,
                                    c: c.baseAddress!, ldc: samples)
                }
            }
            for i in 0..<samples {
                for j in 0..<i { k[j * samples + i] = k[i * samples + j] }
            }
            kernel = k
        } else {
            kernel = nil
        }
    }

    /// λ for a relative penalty on the given training rows: α · mean squared row norm.
    private func lambda(alpha: Double, rows: [Int]) -> Double {
        var total = 0.0
        for r in rows {
            if let kernel {
                total += kernel[r * samples + r]
            } else {
                for c in 0..<inputs { total += x[r * inputs + c] * x[r * inputs + c] }
            }
        }
        return alpha * max(total / Double(rows.count), 1e-12)
    }

    /// Predictions for the `test` rows of a model fitted on the `train` rows.
    func fitAndPredict(train: [Int], test: [Int], alpha: Double) throws -> [Double] {
        let lambda = lambda(alpha: alpha, rows: train)
        let coefficients = try solve(rows: train, lambda: lambda)
        var out = [Double](repeating: 0, count: test.count * outputs)
        if let kernel {
            // Dual: prediction = K[test, train] · A.
            var cross = [Double](repeating: 0, count: test.count * train.count)
            for (i, t) in test.enumerated() {
                for (j, r) in train.enumerated() { cross[i * train.count + j] = kernel[t * samples + r] }
            }
            multiply(cross, rows: test.count, inner: train.count, coefficients, into: &out)
        } else {
            let xTest = gather(x, rows: test, columns: inputs)
            multiply(xTest, rows: test.count, inner: inputs, coefficients, into: &out)
        }
        return out
    }

    /// Primal weights (inputs × outputs) fitted on all rows, and the λ used.
    func weights(alpha: Double) throws -> ([Double], Double) {
        let all = Array(0..<samples)
        let lambda = lambda(alpha: alpha, rows: all)
        let coefficients = try solve(rows: all, lambda: lambda)
        guard kernel != nil else { return (coefficients, lambda) }
        // W = Xᵀ · A.
        var w = [Double](repeating: 0, count: inputs * outputs)
        x.withUnsafeBufferPointer { a in
            coefficients.withUnsafeBufferPointer { c in
                w.withUnsafeMutableBufferPointer { o in
                    BLAS.dgemm(transposeA: true, m: inputs, n: outputs, k: samples, a: a.baseAddress!, lda: inputs,
                               b: c.baseAddress!, ldb: outputs, c: o.baseAddress!, ldc: outputs)
                }
            }
        }
        return (w, lambda)
    }

    /// Dual coefficients (rows × outputs) or primal weights (inputs × outputs) for the given rows.
    private func solve(rows: [Int], lambda: Double) throws -> [Double] {
        let yRows = gather(y, rows: rows, columns: outputs)
        var system: [Double]
        var rhs: [Double]
        let m: Int
        if let kernel {
            m = rows.count
            system = [Double](repeating: 0, count: m * m)
            for (i, r) in rows.enumerated() {
                for (j, c) in rows.enumerated() where j <= i { system[i * m + j] = kernel[r * samples + c] }
            }
            rhs = yRows
        } else {
            m = inputs
            let xRows = gather(x, rows: rows, columns: inputs)
            system = [Double](repeating: 0, count: m * m)
            rhs = [Double](repeating: 0, count: m * outputs)
            xRows.withUnsafeBufferPointer { a in
                system.withUnsafeMutableBufferPointer { s in
                    BLAS.dsyrkLower(transpose: true, n: m, k: rows.count, a: a.baseAddress!, lda: inputs, beta: 0,
                                    c: s.baseAddress!, ldc: m)
                }
                yRows.withUnsafeBufferPointer { b in
                    rhs.withUnsafeMutableBufferPointer { o in
                        BLAS.dgemm(transposeA: true, m: m, n: outputs, k: rows.count, a: a.baseAddress!, lda: inputs,
                                   b: b.baseAddress!, ldb: outputs, c: o.baseAddress!, ldc: outputs)
                    }
                }
            }
        }
        for i in 0..<m { system[i * m + i] += lambda }
        try system.withUnsafeMutableBufferPointer { s in
            try Cholesky.factor(s.baseAddress!, n: m, operation: "ridge")
            rhs.withUnsafeMutableBufferPointer { b in
                Cholesky.solve(factor: s.baseAddress!, n: m, b: b.baseAddress!, columns: outputs)
            }
        }
        return rhs
    }

    private func gather(_ values: [Double], rows: [Int], columns: Int) -> [Double] {
        var out = [Double](repeating: 0, count: rows.count * columns)
        for (i, r) in rows.enumerated() {
            for c in 0..<columns { out[i * columns + c] = values[r * columns + c] }
        }
        return out
    }

    private func multiply(_ a: [Double], rows: Int, inner: Int, _ b: [Double], into out: inout [Double]) {
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                out.withUnsafeMutableBufferPointer { o in
                    BLAS.dgemm(m: rows, n: outputs, k: inner, a: pa.baseAddress!, lda: inner, b: pb.baseAddress!,
                               ldb: outputs, c: o.baseAddress!, ldc: outputs)
                }
            }
        }
    }
}
