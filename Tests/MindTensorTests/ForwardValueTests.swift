import XCTest
@testable import MindTensor

/// Forward values against naive loops and closed forms.
final class ForwardValueTests: XCTestCase {
    func testMatmulMatchesNaiveLoop() throws {
        let a = try randomInput([7, 5], seed: 1), b = try randomInput([5, 6], seed: 2)
        let av = try a.toArray(), bv = try b.toArray()
        var expected = [Float](repeating: 0, count: 42)
        for i in 0..<7 { for j in 0..<6 { for k in 0..<5 { expected[i * 6 + j] += av[i * 5 + k] * bv[k * 6 + j] } } }
        assertClose(try a.matmul(b).toArray(), expected, "matmul")
        // The same product through transposed views (BLAS transpose flags, no copies).
        assertClose(try b.t().matmul(a.t()).t().contiguous().toArray(), expected, "transposed matmul")
        // Batched with broadcasting: each batch entry equals its own 2-D product.
        let batch = try randomInput([3, 7, 5], seed: 3)
        let out = try batch.matmul(b)
        for i in 0..<3 { assertClose(try out.select(0, i).toArray(), try batch.select(0, i).matmul(b).toArray(), "batch \(i)") }
    }

    func testSoftmaxRowsSumToOneAndLogSoftmax() throws {
        let x = try randomInput([4, 7], seed: 7, lo: -20, hi: 20)
        let p = try x.softmax(1)
        for s in try p.sum(1).toArray() { XCTAssertEqual(s, 1, accuracy: 1e-6) }
        XCTAssertTrue(try p.toArray().allSatisfy { $0 >= 0 && $0 <= 1 })
        assertClose(try x.logSoftmax(1).exp().toArray(), try p.toArray(), tolerance: 1e-6, "exp(log_softmax)")
        // Large logits: (x - max) - log Σ, as PyTorch (its values; max + log Σ first was off by 4e-4 here).
        assertClose(try Tensor([10000, 10000.5, 10001], shape: [1, 3]).logSoftmax(1).toArray(), [-1.6802697, -1.1802697, -0.6802697],
                    tolerance: 1e-6, "log_softmax of logits near 1e4")
        // Large inputs do not overflow thanks to max subtraction.
        let big = try Tensor([1000, 1001, 1002], shape: [1, 3]).softmax(1).toArray()
        let e = [Float(exp(-2.0)), Float(exp(-1.0)), 1], total = e.reduce(0, +)
        assertClose(big, e.map { $0 / total }, tolerance: 1e-6, "stable softmax")
    }

    func testLayerNormAndGroupNormStatistics() throws {
        let x = try randomInput([5, 16], seed: 8, lo: -3, hi: 7)
        let y = try x.layerNorm(weight: nil, bias: nil)
        for m in try y.mean(1).toArray() { XCTAssertEqual(m, 0, accuracy: 1e-5) }
        for v in try y.variance(dims: [1], correction: 0).toArray() { XCTAssertEqual(v, 1, accuracy: 1e-3) }
        let g = try randomInput([2, 6, 3, 3], seed: 9, lo: 2, hi: 5).groupNorm(groups: 3, weight: nil, bias: nil)
        let groups = try g.reshape([2, 3, 18])
        for m in try groups.mean(2).toArray() { XCTAssertEqual(m, 0, accuracy: 1e-5) }
        for v in try groups.variance(dims: [2], correction: 0).toArray() { XCTAssertEqual(v, 1, accuracy: 1e-3) }
    }

    func testAttentionMatchesComposedOps() throws {
        let q = try randomInput([2, 3, 8], seed: 10), k = try randomInput([2, 4, 8], seed: 11), v = try randomInput([2, 4, 6], seed: 12)
        let fused = try Tensor.attention(query: q, key: k, value: v, heads: 2)
        // Reference: split heads explicitly and use matmul + softmax.
        let qh = try q.reshape([2, 3, 2, 4]).permute([0, 2, 1, 3]), kh = try k.reshape([2, 4, 2, 4]).permute([0, 2, 1, 3])
        let vh = try v.reshape([2, 4, 2, 3]).permute([0, 2, 1, 3])
        let p = try (qh.matmul(kh.transpose(-1, -2)) * (1 / Float(4).squareRoot())).softmax(-1)
        let reference = try p.matmul(vh).permute([0, 2, 1, 3]).reshape([2, 3, 6])
        assertClose(try fused.toArray(), try reference.toArray(), tolerance: 1e-5, "attention")
        let qkv = try randomInput([2, 5, 12], seed: 13)
        let parts = try qkv.chunk(3, dim: 2)
        assertClose(try Tensor.selfAttention(qkv: qkv, heads: 2).toArray(),
                    try Tensor.attention(query: parts[0], key: parts[1], value: parts[2], heads: 2).toArray(), "fused qkv")
    }

    /// Large enough for the two-worker path: values and gradients equal the composed reference.
    func testParallelAttentionMatchesComposedOps() throws {
        let (b, t, heads, d) = (4, 64, 4, 16)
        let qkv = try randomInput([b, t, 3 * heads * d], seed: 14).requiresGrad()
        let fused = try Tensor.selfAttention(qkv: qkv, heads: heads)
        let projection = try randomInput(fused.shape, seed: 15)
        try (fused * projection).sum().backward()
        let fusedGrad = try qkv.grad!.toArray()
        qkv.grad = nil
        let split = try qkv.reshape([b, t, 3, heads, d]).permute([2, 0, 3, 1, 4])
        let (q, k, v) = (try split.select(0, 0), try split.select(0, 1), try split.select(0, 2))
        let p = try (q.matmul(k.transpose(-1, -2)) * (1 / Float(d).squareRoot())).softmax(-1)
        let reference = try p.matmul(v).permute([0, 2, 1, 3]).reshape([b, t, heads * d])
        try (reference * projection).sum().backward()
        assertClose(try fused.toArray(), try reference.toArray(), tolerance: 1e-5, "parallel attention values")
        assertClose(fusedGrad, try qkv.grad!.toArray(), tolerance: 1e-4, "parallel attention gradients")
    }

    func testReductionsGatherSortAndLosses() throws {
        let x = try Tensor([3, 1, 4, 1, 5, 9, 2, 6], shape: [2, 4])
        XCTAssertEqual(try x.sum().item(), 31)
        XCTAssertEqual(try x.sum(1).toArray(), [9, 22])
        XCTAssertEqual(try x.mean(0).toArray(), [4, 5, 3, 3.5])
        XCTAssertEqual(try x.max(1).values.toArray(), [4, 9])
        XCTAssertEqual(try x.argmax(1).toArray(), [2, 1])
        XCTAssertEqual(try x.argmin(1).toArray(), [1, 2])
        let deviations: [Float] = [0.75, -1.25, 1.75, -1.25]
        let unbiased = deviations.map { $0 * $0 }.reduce(0, +) / 3
        XCTAssertEqual(try x.variance(dims: [1]).toArray()[0], unbiased, accuracy: 1e-6)
        XCTAssertEqual(try x.argsort(1).toArray(), [1, 3, 0, 2, 2, 0, 3, 1], "stable ascending argsort")
        XCTAssertEqual(try x.argsort(1, descending: true).toArray(), [2, 0, 1, 3, 1, 3, 0, 2])
        // Positions are float32: past 2^24 they would collide (2^24 + 1 reads as 2^24), so such a dimension is refused.
        let long = try Tensor.zeros([1 << 24 + 1])
        for (op, call) in [("argsort", { _ = try long.argsort() }), ("argmax", { _ = try long.argmax(0) }), ("max", { _ = try long.max(0) })] as [(String, () throws -> Void)] {
            XCTAssertThrowsError(try call()) { error in
                XCTAssertTrue("\(error)".contains("\(op): positions along a dimension of 16777217 elements"), "\(error)")
            }
        }
        XCTAssertEqual(try x.gather(1, index: Tensor([3, 0, 1, 1], shape: [2, 2])).toArray(), [1, 3, 9, 9])
        XCTAssertEqual(try x.indexSelect(1, index: Tensor([2, 0])).toArray(), [4, 3, 2, 5])
        XCTAssertEqual(try x.mseLoss(Tensor.zeros([2, 4])).item(), Float([9, 1, 16, 1, 25, 81, 4, 36].reduce(0, +)) / 8)
        let logits = try Tensor([2, 1, 0.1], shape: [1, 3])
        let expected = -Float(log(exp(2.0) / (exp(2.0) + exp(1.0) + exp(0.1))))
        XCTAssertEqual(try logits.crossEntropy(Tensor([0])).item(), expected, accuracy: 1e-6)
    }

    func testGeluFormsMatchClosedForms() throws {
        let xs: [Float] = [-3, -1, -0.5, 0, 0.5, 1, 3]
        let exact = try Tensor(xs).gelu().toArray(), approx = try Tensor(xs).gelu(approximate: true).toArray()
        for (i, x) in xs.enumerated() {
            let d = Double(x)
            XCTAssertEqual(exact[i], Float(0.5 * d * (1 + erf(d / 2.0.squareRoot()))), accuracy: 1e-6)
            XCTAssertEqual(approx[i], Float(0.5 * d * (1 + tanh((2 / Double.pi).squareRoot() * (d + 0.044715 * d * d * d)))), accuracy: 1e-6)
        }
    }

    /// Exact GELU's value and derivative from one shared exponential stay within 1e-6 of the double-precision
    /// closed forms across the range activations reach, tails included.
    func testExactGeluAndItsDerivativeMatchDoublePrecisionEverywhere() throws {
        let xs = (0...16_000).map { Float(-8 + Double($0) / 1000) } + [-30, 30]
        let x = try Tensor(xs).requiresGrad()
        let y = try x.gelu()
        try y.sum().backward()
        let values = try y.toArray(), slopes = try x.grad!.toArray()
        let plain = try withNoGrad { try Tensor(xs).gelu() }.toArray()
        for (i, v) in xs.enumerated() {
            let d = Double(v), cdf = 0.5 * erfc(-d / 2.0.squareRoot()), pdf = exp(-d * d / 2) / (2 * Double.pi).squareRoot()
            XCTAssertEqual(Double(values[i]), d * cdf, accuracy: 1e-6 * max(1, abs(d)), "gelu(\(v))")
            XCTAssertEqual(Double(slopes[i]), cdf + d * pdf, accuracy: 1e-6, "gelu'(\(v))")
            XCTAssertEqual(plain[i], values[i], "gelu(\(v)) without autograd")
        }
    }

    func testViewsShareStorageAndRepeatTiles() throws {
        let x = try Tensor.arange(6).reshape([2, 3])
        let t = try x.t()
        XCTAssertTrue(t.storage === x.storage)
        XCTAssertFalse(t.isContiguous)
        XCTAssertEqual(try t.toArray(), [0, 3, 1, 4, 2, 5])
        XCTAssertEqual(try x.narrow(1, start: 1, length: 2).toArray(), [1, 2, 4, 5])
        XCTAssertEqual(try x.repeated([1, 2]).toArray(), [0, 1, 2, 0, 1, 2, 3, 4, 5, 3, 4, 5])
        XCTAssertEqual(try Tensor.cat([x, x], dim: 0).shape, [4, 3])
        XCTAssertEqual(try Tensor.stack([x, x], dim: 0).shape, [2, 2, 3])
        XCTAssertEqual(try x.chunk(2, dim: 1).map(\.shape), [[2, 2], [2, 1]])
        try withNoGrad { try x.narrow(0, start: 1, length: 1).fill(7) }
        XCTAssertEqual(try x.toArray(), [0, 1, 2, 7, 7, 7])
        XCTAssertEqual(try Tensor.arange(0, 1, step: 0.25).toArray(), [0, 0.25, 0.5, 0.75])
    }

    func testSeededGeneratorsAreDeterministic() throws {
        let a = try Tensor.randn([100], generator: Generator(seed: 2022)).toArray()
        let b = try Tensor.randn([100], generator: Generator(seed: 2022)).toArray()
        let c = try Tensor.randn([100], generator: Generator(seed: 2023)).toArray()
        XCTAssertEqual(a, b)
        XCTAssertNotEqual(a, c)
        let big = try Tensor.randn([100_000], generator: Generator(seed: 1))
        XCTAssertEqual(try big.mean().item(), 0, accuracy: 0.02)
        XCTAssertEqual(try big.variance().item(), 1, accuracy: 0.02)
        let u = try Tensor.rand([100_000], generator: Generator(seed: 2))
        XCTAssertEqual(try u.mean().item(), 0.5, accuracy: 0.01)
        XCTAssertGreaterThanOrEqual(try u.min().item(), 0)
        XCTAssertLessThan(try u.max().item(), 1)
    }
}
