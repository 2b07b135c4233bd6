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
}
