import XCTest
@testable import MindTensor

/// One- and two-step updates against PyTorch's formulas, written out in Double.
final class OptimizerTests: XCTestCase {
    private func parameter(_ values: [Float], grad: [Float]) throws -> Tensor {
        let p = try Tensor(values).requiresGrad()
        p.grad = try Tensor(grad)
        return p
    }

    func testAdamWTwoStepsMatchFormula() throws {
        let p0: [Double] = [0.5, -1.0, 2.0], g: [Double] = [0.1, -0.2, 0.3]
        let (lr, b1, b2, eps, wd) = (1e-2, 0.9, 0.95, 1e-8, 0.05)
        for decoupled in [true, false] {
            let p = try parameter(p0.map(Float.init), grad: g.map(Float.init))
            let opt = try Adam(groups: [ParamGroup(params: [p], lr: Float(lr), weightDecay: Float(wd))], betas: (b1, b2),
                               eps: Float(eps), decoupledWeightDecay: decoupled)
            var expected = p0, m = [0.0, 0, 0], v = [0.0, 0, 0]
            for t in 1...2 {
                try opt.step()
                for i in 0..<3 {
                    var grad = g[i]
                    if decoupled { expected[i] *= 1 - lr * wd } else { grad += wd * expected[i] }
                    m[i] = b1 * m[i] + (1 - b1) * grad
                    v[i] = b2 * v[i] + (1 - b2) * grad * grad
                    let mhat = m[i] / (1 - pow(b1, Double(t)))
                    let denom = (v[i] / (1 - pow(b2, Double(t)))).squareRoot() + eps
                    expected[i] -= lr * mhat / denom
                }
                assertClose(try p.toArray(), expected.map(Float.init), tolerance: 1e-6, "\(decoupled ? "AdamW" : "Adam") step \(t)")
            }
        }
    }

    /// 1 - b2 is formed in double, as PyTorch's Python float, then made float32: from a float32 b2 it was 1.7e-4 off.
    func testSecondMomentUsesOneMinusBetaInDouble() throws {
        let p = try parameter([1], grad: [1])
        let opt = try Adam.adam([p], betas: (0.9, 0.9999))
        try opt.step()
        XCTAssertEqual(try opt.exp_avg_sq[0]!.toArray(), [Float(1 - 0.9999)])
        XCTAssertEqual(try opt.exp_avg[0]!.toArray(), [Float(1 - 0.9)])
    }

    func testSGDMomentumNesterovAndWeightDecay() throws {
        let p0: [Double] = [1, -2], g: [Double] = [0.5, 0.25]
        let (lr, mu, wd) = (0.1, 0.9, 0.01)
        for nesterov in [false, true] {
            let p = try parameter(p0.map(Float.init), grad: g.map(Float.init))
            let opt = try SGD([p], lr: Float(lr), momentum: Float(mu), weightDecay: Float(wd), nesterov: nesterov)
            var expected = p0, buf = [0.0, 0]
            for t in 1...2 {
                try opt.step()
                for i in 0..<2 {
                    let d = g[i] + wd * expected[i]
                    buf[i] = t == 1 ? d : mu * buf[i] + d
                    expected[i] -= lr * (nesterov ? d + mu * buf[i] : buf[i])
                }
                assertClose(try p.toArray(), expected.map(Float.init), tolerance: 1e-6, "SGD nesterov=\(nesterov) step \(t)")
            }
        }
        let plain = try parameter([1, 2], grad: [1, -1])
        try SGD([plain], lr: 0.5).step()
        XCTAssertEqual(try plain.toArray(), [0.5, 2.5])
    }

    func testParametersWithoutGradientAreSkippedAndZeroGradClears() throws {
        let a = try parameter([1], grad: [1]), b = try Tensor([3]).requiresGrad()
        let opt = try Adam.adamW([a, b], lr: 0.1)
        try opt.step()
        XCTAssertEqual(try b.toArray(), [3])
        XCTAssertNotEqual(try a.toArray(), [1])
        opt.zeroGrad()
        XCTAssertNil(a.grad)
    }

    func testClipGradNorm() throws {
        let a = try parameter([0, 0], grad: [3, 0]), b = try parameter([0], grad: [4])
        let norm = try clipGradNorm([a, b], maxNorm: 1)
        XCTAssertEqual(norm, 5, accuracy: 1e-6)
        let scale = Float(1 / (5 + 1e-6))
        assertClose(try a.grad!.toArray() + b.grad!.toArray(), [3 * scale, 0, 4 * scale], tolerance: 1e-7, "clipped")
        let small = try parameter([0], grad: [0.5])
        try clipGradNorm([small], maxNorm: 1)
        XCTAssertEqual(try small.grad!.toArray(), [0.5], "no clipping below the threshold")
        let bad = try parameter([0], grad: [.nan])
        assertThrows(["clip_grad_norm", "nan"]) { try clipGradNorm([bad], maxNorm: 1) }
        // A gradient set by hand from a transposed view is clipped too, not just counted in the norm.
        let strided = try Tensor.zeros([2, 2]).requiresGrad()
        strided.grad = try Tensor([6, 0, 8, 0], shape: [2, 2]).t()
        XCTAssertEqual(try clipGradNorm([strided], maxNorm: 5), 10, accuracy: 1e-5)
        assertClose(try strided.grad!.toArray(), [3, 4, 0, 0], tolerance: 1e-5, "strided gradient clipped")
        // A gradient large enough to be summed and scaled on both workers.
        let count = 300_000
        let large = try Tensor.zeros([count]).requiresGrad()
        large.grad = try Tensor([Float](repeating: 0.5, count: count), shape: [count])
        let expected = 0.5 * Float(Double(count).squareRoot())
        XCTAssertEqual(try clipGradNorm([large], maxNorm: 1), expected, accuracy: expected * 1e-6)
        let clipped = try large.grad!.toArray()
        XCTAssertEqual(clipped.first!, clipped.last!)
        XCTAssertEqual(clipped.last!, 0.5 / (expected + 1e-6), accuracy: 1e-9)
    }

    func testCosineWarmupSchedule() throws {
        let s = try CosineWarmupSchedule(baseLR: 2.5e-4, minLR: 0, warmupEpochs: 40, totalEpochs: 500)
        XCTAssertEqual(s.rate(atEpoch: 0), 0)
        XCTAssertEqual(s.rate(atEpoch: 20), 1.25e-4, accuracy: 1e-12)
        XCTAssertEqual(s.rate(atEpoch: 40), 2.5e-4, accuracy: 1e-12)
        XCTAssertEqual(s.rate(atEpoch: 270), 1.25e-4, accuracy: 1e-12, "halfway through the cosine")
        XCTAssertEqual(s.rate(atEpoch: 500), 0, accuracy: 1e-12)
        let p = try parameter([1], grad: [1])
        let opt = try Adam.adamW([p])
        let lr = s.apply(to: opt, epoch: 10, iteration: 5, iterationsPerEpoch: 10)
        XCTAssertEqual(lr, 2.5e-4 * 10.5 / 40, accuracy: 1e-12)
        XCTAssertEqual(Double(opt.groups[0].lr), lr, accuracy: 1e-9)
    }

    func testWeightDecayGroupsFollowTimmRule() throws {
        let model = Sequential(try Linear(3, 4), try LayerNorm(4))
        let groups = weightDecayGroups(model.namedParameters(), lr: 1e-3, weightDecay: 0.05)
        XCTAssertEqual(groups[0].weightDecay, 0)
        XCTAssertEqual(groups[0].params.count, 3, "bias, norm weight and norm bias are not decayed")
        XCTAssertEqual(groups[1].params.map(\.shape), [[4, 3]])
    }

    func testEMAAndOptimizerStateRoundTrip() throws {
        let p = try parameter([1, 1], grad: [1, -1])
        let ema = try ParameterEMA([p], decay: 0.5, warmup: false)
        try withNoGrad { try p.copyFrom(Tensor([3, 5])) }
        try ema.update()
        XCTAssertEqual(try ema.shadows[0].toArray(), [2, 3])
        try ema.copyToParameters()
        XCTAssertEqual(try p.toArray(), [2, 3])

        let a = try parameter([1, 2], grad: [0.1, 0.2]), b = try parameter([1, 2], grad: [0.1, 0.2])
        let optA = try Adam.adamW([a], lr: 0.1), optB = try Adam.adamW([b], lr: 0.1)
        try optA.step()
        try optB.step()
        let restored = try Adam.adamW([b], lr: 0.1)
        try restored.loadStateDict(optA.stateDict())
        try optA.step()
        try restored.step()
        XCTAssertEqual(try a.toArray(), try b.toArray(), "resumed optimizer continues identically")
        assertThrows(["unexpected key"]) { try restored.loadStateDict([("7.exp_avg", Tensor([1]))]) }
    }

    func testInvalidHyperParametersAreErrors() throws {
        let p = try Tensor([1]).requiresGrad()
        assertThrows(["AdamW", "betas"]) { _ = try Adam.adamW([p], betas: (1.5, 0.9)) }
        assertThrows(["learning rate"]) { _ = try SGD([p], lr: -1) }
        assertThrows(["more than once"]) { _ = try SGD([p, p], lr: 1) }
        assertThrows(["empty parameter list"]) { _ = try SGD([], lr: 1) }
    }
}
