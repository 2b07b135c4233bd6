import XCTest
@testable import MindVis
import MindTensor

final class SimulationRidgeDecoderTests: XCTestCase {
    /// y = x·W + noise with a known W.
    static func problem(samples: Int, inputs: Int, outputs: Int, noise: Float, seed: UInt64) -> (x: [Float], y: [Float], w: [Float]) {
        var rng = Xoshiro256StarStar(seed: seed)
        let x = (0..<(samples * inputs)).map { _ in rng.nextNormal() }
        let w = (0..<(inputs * outputs)).map { _ in rng.nextNormal() }
        var y = [Float](repeating: 0, count: samples * outputs)
        for s in 0..<samples {
            for o in 0..<outputs {
                var v: Float = 0
                for i in 0..<inputs { v += x[s * inputs + i] * w[i * outputs + o] }
                y[s * outputs + o] = v + 3 + noise * rng.nextNormal()
            }
        }
        return (x, y, w)
    }

    func testRecoversLinearMapInPrimalForm() throws {
        let p = SimulationRidgeDecoderTests.problem(samples: 200, inputs: 10, outputs: 3, noise: 0.01, seed: 1)
        let decoder = try RidgeDecoder.fit(x: p.x, y: p.y, samples: 200)
        XCTAssertEqual(decoder.penalty, RidgeDecoder.defaultPenalties.first!, "noiseless data wants the weakest penalty")
        let fresh = SimulationRidgeDecoderTests.problem(samples: 20, inputs: 10, outputs: 3, noise: 0, seed: 2)
        // Same W: regenerate targets for fresh inputs with the first problem's weights.
        var expected = [Float](repeating: 0, count: 60)
        for s in 0..<20 {
            for o in 0..<3 {
                var v: Float = 3
                for i in 0..<10 { v += fresh.x[s * 10 + i] * p.w[i * 3 + o] }
                expected[s * 3 + o] = v
            }
        }
        let predicted = try decoder.predict(fresh.x, rows: 20)
        for (a, b) in zip(predicted, expected) { XCTAssertEqual(a, b, accuracy: 0.05 * max(1, abs(b))) }
    }

    func testDualFormMatchesPrimalForm() throws {
        // 30 samples of 50 inputs are solved in the dual form. Duplicating every row (60 > 50 samples) switches
        // to the primal form with XᵀX and Xᵀy doubled while λ = α · (mean squared norm of a z-scored row = 50)
        // is unchanged, so α = 1 on the doubled data is the same problem as α = 0.5 on the original.
        let p = SimulationRidgeDecoderTests.problem(samples: 30, inputs: 50, outputs: 2, noise: 0.5, seed: 3)
        let dual = try RidgeDecoder.fit(x: p.x, y: p.y, samples: 30, penalties: [0.5], folds: 3)
        XCTAssertEqual(dual.lambda, 25, accuracy: 1e-9)
        let primal = try RidgeDecoder.fit(x: p.x + p.x, y: p.y + p.y, samples: 60, penalties: [1.0], folds: 3)
        XCTAssertEqual(primal.lambda, 50, accuracy: 1e-9)
        let test = SimulationRidgeDecoderTests.problem(samples: 5, inputs: 50, outputs: 2, noise: 0, seed: 4)
        let a = try dual.predict(test.x, rows: 5)
        let b = try primal.predict(test.x, rows: 5)
        XCTAssertEqual(a.count, 10)
        for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: 1e-4 * max(1, abs(x))) }
    }

    func testCrossValidationPrefersShrinkageForNoise() throws {
        let p = SimulationRidgeDecoderTests.problem(samples: 60, inputs: 40, outputs: 2, noise: 8, seed: 5)
        let decoder = try RidgeDecoder.fit(x: p.x, y: p.y, samples: 60)
        XCTAssertGreaterThan(decoder.penalty, 0.1)
        XCTAssertEqual(decoder.crossValidation.count, RidgeDecoder.defaultPenalties.count)
        let best = decoder.crossValidation.min { $0.error < $1.error }!
        XCTAssertEqual(best.penalty, decoder.penalty)
    }

    func testErrors() {
        assertThrowsMessage(["x has 3 values"]) { _ = try RidgeDecoder.fit(x: [1, 2, 3], y: [1, 2], samples: 2) }
        assertThrowsMessage(["folds must be in 2...2"]) { _ = try RidgeDecoder.fit(x: [1, 2], y: [1, 2], samples: 2, folds: 3) }
        assertThrowsMessage(["finite"]) { _ = try RidgeDecoder.fit(x: [1, .nan, 3, 4], y: [1, 2], samples: 2, folds: 2) }
        assertThrowsMessage(["penalties"]) { _ = try RidgeDecoder.fit(x: [1, 2, 3, 4], y: [1, 2], samples: 2, penalties: [0], folds: 2) }
        let p = SimulationRidgeDecoderTests.problem(samples: 10, inputs: 3, outputs: 1, noise: 1, seed: 6)
        let decoder = try? RidgeDecoder.fit(x: p.x, y: p.y, samples: 10, folds: 2)
        XCTAssertNotNil(decoder)
        assertThrowsMessage(["expected 1 × 3 = 3 inputs, got 2"]) { _ = try decoder!.predict([1, 2], rows: 1) }
    }

    func testCholeskyBlockedFactorAndSolve() throws {
        // A = B·Bᵀ + n·I (n = 150 spans several 64-blocks); solve A x = b and check the residual.
        let n = 150
        var rng = Xoshiro256StarStar(seed: 9)
        let b = (0..<(n * n)).map { _ in Double(rng.nextNormal()) }
        var a = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0..<n {
                var s = 0.0
                for k in 0..<n { s += b[i * n + k] * b[j * n + k] }
                a[i * n + j] = s + (i == j ? Double(n) : 0)
            }
        }
        let rhs = (0..<(n * 2)).map { _ in Double(rng.nextNormal()) }
        var factor = a
        var x = rhs
        try factor.withUnsafeMutableBufferPointer { f in
            try Cholesky.factor(f.baseAddress!, n: n, operation: "test")
            x.withUnsafeMutableBufferPointer { Cholesky.solve(factor: f.baseAddress!, n: n, b: $0.baseAddress!, columns: 2) }
        }
        for i in 0..<n {
            for c in 0..<2 {
                var s = 0.0
                for k in 0..<n { s += a[i * n + k] * x[k * 2 + c] }
                XCTAssertEqual(s, rhs[i * 2 + c], accuracy: 1e-8)
            }
        }
        var indefinite: [Double] = [1, 2, 2, 1]
        assertThrowsMessage(["ridge: matrix is not positive definite", "pivot 1"]) {
            try indefinite.withUnsafeMutableBufferPointer { try Cholesky.factor($0.baseAddress!, n: 2, operation: "ridge") }
        }
    }
}
