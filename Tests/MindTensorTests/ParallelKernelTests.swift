import XCTest
@testable import MindTensor

/// Tensors above `Parallel.minimumElements` split their work over two cores; results must equal the
/// single-core path, which small slices of the same data take.
final class ParallelKernelTests: XCTestCase {
    let rows = 300, cols = 512  // 153,600 elements: the parallel path

    func slices(_ t: Tensor) throws -> [Tensor] {
        try stride(from: 0, to: rows, by: 100).map { try t.narrow(0, start: $0, length: 100).contiguous() }
    }

    func testElementwiseRowKernelsAndGradientsMatchSingleCoreSlices() throws {
        XCTAssertGreaterThan(rows * cols, Parallel.minimumElements)
        XCTAssertLessThan(100 * cols, Parallel.minimumElements)
        let x = try randomInput([rows, cols], seed: 1, lo: -3, hi: 3)
        let g = try randomInput([rows, cols], seed: 2)
        let w = try randomInput([cols], seed: 3), b = try randomInput([cols], seed: 4)
        let ops: [(String, (Tensor) throws -> Tensor)] = [
            ("gelu", { try $0.gelu() }), ("silu", { try $0.silu() }), ("tanh", { try $0.tanh() }),
            ("softmax", { try $0.softmax(-1, scale: 0.7) }), ("log_softmax", { try $0.logSoftmax(-1) }),
            ("mul", { try $0 * $0 }), ("scalar", { try $0 * 3 + 1 }),
            ("layer_norm", { try $0.layerNorm(weight: w, bias: b) }),
        ]
        for (name, f) in ops {
            for p in [w, b] { p.grad = nil; try p.requiresGrad() }
            let big = try x.detach().requiresGrad()
            try f(big).backward(gradient: g)
            let bigGrad = try big.grad!.toArray()
            let bigW = try w.grad?.toArray(), bigB = try b.grad?.toArray()
            for p in [w, b] { p.grad = nil }
            var small: [Float] = [], smallGrad: [Float] = []
            for (xs, gs) in zip(try slices(x), try slices(g)) {
                let piece = try xs.detach().requiresGrad()
                let y = try f(piece)
                small += try y.toArray()
                try y.backward(gradient: gs)
                smallGrad += try piece.grad!.toArray()
            }
            assertClose(try withNoGrad { try f(x) }.toArray(), small, tolerance: 1e-6, "\(name) forward")
            assertClose(bigGrad, smallGrad, tolerance: 1e-5, "\(name) input gradient")
            if name == "layer_norm" {
                assertClose(bigW!, try w.grad!.toArray(), tolerance: 1e-4, "layer_norm weight gradient")
                assertClose(bigB!, try b.grad!.toArray(), tolerance: 1e-4, "layer_norm bias gradient")
            }
        }
    }

    /// A gather whose index is broadcast over the inner dimension (the MAE's masking) copies whole rows, split
    /// by batch entry; it must give exactly what the element-wise path gives for the materialised index,
    /// repeated indices included (their gradients accumulate).
    func testRowGatherMatchesElementwiseGather() throws {
        let (batch, length, keep, width) = (8, 64, 48, 256)
        XCTAssertGreaterThan(batch * keep * width, Parallel.minimumElements)
        let x = try randomInput([batch, length, width], seed: 5)
        let picks = (0..<batch * keep).map { Float(($0 * 37 + $0 / keep) % length) }
        let broadcast = try Tensor(picks, shape: [batch, keep, 1]).expand([batch, keep, width])
        let g = try randomInput([batch, keep, width], seed: 6)
        var results: [(values: [Float], grad: [Float])] = []
        for index in [broadcast, try broadcast.contiguous()] {
            let leaf = try x.detach().requiresGrad()
            let y = try leaf.gather(1, index: index)
            try y.backward(gradient: g)
            results.append((try y.toArray(), try leaf.grad!.toArray()))
        }
        XCTAssertEqual(results[0].values, results[1].values)
        XCTAssertEqual(results[0].grad, results[1].grad)
        let outOfRange = try Tensor([Float](repeating: Float(length), count: batch * keep), shape: [batch, keep, 1]).expand([batch, keep, width])
        XCTAssertThrowsError(try x.gather(1, index: outOfRange)) { XCTAssertTrue("\($0)".contains("not an integer in [0, 64)"), "\($0)") }
        let none = try x.gather(1, index: Tensor.zeros([batch, 0, 1]).expand([batch, 0, width]))
        XCTAssertEqual(none.shape, [batch, 0, width])
    }

    /// AdamW updates a large parameter in two halves at once; the result must be the bits that single-core
    /// updates of its slices give.
    func testAdamOnLargeParameterMatchesSingleCoreSlices() throws {
        let x = try randomInput([rows, cols], seed: 7), g = try randomInput([rows, cols], seed: 8)
        let big = try x.detach().requiresGrad()
        let pieces = try slices(x).map { try $0.detach().requiresGrad() }
        let gradPieces = try slices(g)
        let bigOpt = try Adam.adamW([big], lr: 0.01, weightDecay: 0.05), pieceOpt = try Adam.adamW(pieces, lr: 0.01, weightDecay: 0.05)
        for _ in 0..<3 {
            big.grad = try g.contiguous()
            for (p, gp) in zip(pieces, gradPieces) { p.grad = try gp.contiguous() }
            try bigOpt.step()
            try pieceOpt.step()
        }
        XCTAssertEqual(try big.toArray(), try pieces.flatMap { try $0.toArray() })
    }

    /// Group norm splits its groups over the workers, upsampling and padding their planes: on a batch above
    /// `Parallel.minimumElements` the results must be the bits that single-core calls on each sample give (the weight
    /// and bias gradients summed over samples in the same order).
    func testGroupNormUpsampleAndPadMatchSingleCoreSamples() throws {
        let (batch, channels, side) = (8, 64, 14)
        let x = try randomInput([batch, channels, side, side], seed: 9, lo: -2, hi: 3)
        XCTAssertGreaterThanOrEqual(x.numel, Parallel.minimumElements)
        XCTAssertLessThan(4 * x.numel / batch, Parallel.minimumElements)
        let w = try randomInput([channels], seed: 10, lo: 0.5, hi: 1.5), b = try randomInput([channels], seed: 11)
        let padding = Padding2D(top: 0, bottom: 1, left: 2, right: 1)
        let ops: [(String, (Tensor) throws -> Tensor)] = [
            ("group_norm", { try $0.groupNorm(groups: 32, weight: w, bias: b, eps: 1e-6) }),
            ("group_norm_silu", { try $0.groupNormSiLU(groups: 32, weight: w, bias: b, eps: 1e-6) }),
            ("upsample", { try $0.upsampleNearest2x() }), ("pad", { try $0.pad2d(padding, value: 0.5) }),
        ]
        for (name, f) in ops {
            for p in [w, b] { p.grad = nil; try p.requiresGrad() }
            let whole = try x.detach().requiresGrad()
            let y = try f(whole)
            let g = try randomInput(y.shape, seed: 12)
            try y.backward(gradient: g)
            let wholeW = try w.grad?.toArray(), wholeB = try b.grad?.toArray()
            for p in [w, b] { p.grad = nil }
            var values: [Float] = [], grads: [Float] = []
            for i in 0..<batch {
                let sample = try x.narrow(0, start: i, length: 1).contiguous().requiresGrad()
                let ys = try f(sample)
                values += try ys.toArray()
                try ys.backward(gradient: g.narrow(0, start: i, length: 1).contiguous())
                grads += try sample.grad!.toArray()
            }
            XCTAssertEqual(try y.toArray(), values, "\(name) forward")
            XCTAssertEqual(try whole.grad!.toArray(), grads, "\(name) input gradient")
            if name.hasPrefix("group_norm") {
                XCTAssertEqual(wholeW, try w.grad!.toArray(), "\(name) weight gradient")
                XCTAssertEqual(wholeB, try b.grad!.toArray(), "\(name) bias gradient")
            }
        }
    }

    /// The fused group norm + SiLU gives the bits of a group norm followed by a SiLU, forward and backward, on
    /// every SIMD path, and a Sequential of GroupNorm and SiLU takes the fused path.
    func testGroupNormSiLUEqualsGroupNormThenSiLU() throws {
        let (batch, channels, side) = (3, 64, 9)
        let x = try randomInput([batch, channels, side, side], seed: 13, lo: -2, hi: 3)
        let norm = try GroupNorm(32, channels, eps: 1e-6)
        try withNoGrad {
            try norm.weight!.copyFrom(randomInput([channels], seed: 14, lo: 0.5, hi: 1.5))
            try norm.bias!.copyFrom(randomInput([channels], seed: 15))
        }
        let g = try randomInput([batch, channels, side, side], seed: 16)
        for path in Kernels.availablePaths {
            try Kernels.withPath(path) {
                var results: [[Float]] = []
                for fused in [false, true] {
                    for p in norm.parameters() { p.grad = nil }
                    let leaf = try x.detach().requiresGrad()
                    let y = fused ? try Sequential(norm, SiLU())(leaf) : try norm(leaf).silu()
                    XCTAssertEqual(y.gradFn?.name, fused ? "group_norm_silu" : "silu")
                    try y.backward(gradient: g)
                    results.append(try y.toArray() + leaf.grad!.toArray() + norm.weight!.grad!.toArray() + norm.bias!.grad!.toArray())
                }
                XCTAssertEqual(results[0], results[1], "\(path)")
            }
        }
    }

    /// The fused GEGLU gives the bits of narrow, exact GELU and product, forward and backward, on every SIMD path,
    /// split over the workers (above) and on one core (below `Parallel.minimumElements`).
    func testGegluEqualsGeluGatedProduct() throws {
        for (rows, d) in [(300, 256), (3, 37)] {
            let x = try randomInput([rows, 2 * d], seed: 17, lo: -4, hi: 4), g = try randomInput([rows, d], seed: 18)
            for path in Kernels.availablePaths {
                try Kernels.withPath(path) {
                    var results: [[Float]] = []
                    for fused in [false, true] {
                        let leaf = try x.detach().requiresGrad()
                        let y = fused ? try leaf.geglu()
                            : try leaf.narrow(1, start: 0, length: d) * leaf.narrow(1, start: d, length: d).gelu()
                        XCTAssertEqual(y.gradFn?.name, fused ? "geglu" : "mul")
                        try y.backward(gradient: g)
                        results.append(try y.toArray() + leaf.grad!.toArray())
                    }
                    XCTAssertEqual(results[0], results[1], "\(rows)x\(2 * d) on \(path)")
                }
            }
        }
        XCTAssertThrowsError(try randomInput([2, 3], seed: 19).geglu())
    }
}
