import XCTest
@testable import MindTensor

/// Finite-difference gradient checking. Central differences in float32 carry truncation error
/// O(h^2) and rounding error O(ulp * |f| / h); with h = 1e-2 on O(1) inputs both stay near 1e-3 of
/// the gradient's scale, so analytic and numeric gradients must agree within 2e-2 relative to the
/// largest gradient entry (plus 1e-3 absolute). A wrong backward is off by O(1) and fails clearly.
func checkGradients(_ name: String, inputs: [Tensor], samples: Int = 24, h: Float = 1e-2, tolerance: Float = 2e-2,
                    file: StaticString = #filePath, line: UInt = #line, _ f: ([Tensor]) throws -> Tensor) throws {
    for x in inputs { try x.requiresGrad(); x.grad = nil }
    let out = try f(inputs)
    // A fixed random projection turns the output into a scalar that depends on every element.
    let projection = try Tensor.randn(out.shape, generator: Generator(seed: 99))
    let loss = try (out * projection).sum()
    try loss.backward()
    func scalar(_ xs: [Tensor]) throws -> Double {
        try withNoGrad { Double(try (f(xs) * projection).sum().item()) }
    }
    let pick = Generator(seed: 7)
    for (k, x) in inputs.enumerated() {
        guard let grad = x.grad else { XCTFail("\(name): input \(k) got no gradient", file: file, line: line); continue }
        XCTAssertEqual(grad.shape, x.shape, "\(name): gradient shape of input \(k)", file: file, line: line)
        let analytic = try grad.toArray()
        let scale = Swift.max(analytic.map { Swift.abs($0) }.max() ?? 0, 1e-3)
        let positions = x.numel <= samples ? Array(0..<x.numel) : (0..<samples).map { _ in pick.nextInt(below: x.numel) }
        for i in positions {
            let original = x.data[i]
            x.data[i] = original + h
            let up = try scalar(inputs)
            x.data[i] = original - h
            let down = try scalar(inputs)
            x.data[i] = original
            let numeric = Float((up - down) / Double(2 * h))
            let error = Swift.abs(numeric - analytic[i])
            XCTAssertLessThanOrEqual(error, 1e-3 + tolerance * scale,
                                     "\(name): input \(k) element \(i): analytic \(analytic[i]) vs numeric \(numeric)",
                                     file: file, line: line)
        }
    }
}

/// Random input in [-1, 1] (or [lo, hi]) with its own seed, contiguous and trainable-ready.
func randomInput(_ shape: [Int], seed: UInt64, lo: Float = -1, hi: Float = 1) throws -> Tensor {
    try Tensor.rand(shape, low: lo, high: hi, generator: Generator(seed: seed))
}

func assertClose(_ a: [Float], _ b: [Float], tolerance: Float = 1e-5, _ message: String = "",
                 file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, "\(message): lengths", file: file, line: line)
    let scale = Swift.max(b.map { Swift.abs($0) }.max() ?? 0, 1)
    for (i, (x, y)) in zip(a, b).enumerated() where Swift.abs(x - y) > tolerance * scale || x.isNaN != y.isNaN {
        XCTFail("\(message): element \(i): \(x) vs \(y)", file: file, line: line)
        return
    }
}

/// Asserts that `body` throws a TensorError whose text contains every fragment.
func assertThrows(_ fragments: [String], file: StaticString = #filePath, line: UInt = #line, _ body: () throws -> Void) {
    do {
        try body()
        XCTFail("expected an error containing \(fragments)", file: file, line: line)
    } catch let e as TensorError {
        for f in fragments where !e.description.contains(f) {
            XCTFail("error '\(e.description)' does not contain '\(f)'", file: file, line: line)
        }
    } catch {
        XCTFail("unexpected error type \(error)", file: file, line: line)
    }
}
