import MindTensor

/// Pearson correlation of each row of `a` with the same row of `b` ([N, ...] flattened per row),
/// accumulated in double. Rows with zero variance give 0.
public func rowPearson(_ a: Tensor, _ b: Tensor) throws -> [Float] {
    guard a.shape == b.shape, a.rank >= 1 else {
        throw TensorError("pearson: shapes \(Shape.describe(a.shape)) and \(Shape.describe(b.shape)) differ")
    }
    let n = a.shape[0], width = a.numel / Swift.max(n, 1)
    let x = try a.toArray(), y = try b.toArray()
    return (0..<n).map { r in pearson(x[(r * width)..<((r + 1) * width)], y[(r * width)..<((r + 1) * width)]) }
}

func pearson(_ x: ArraySlice<Float>, _ y: ArraySlice<Float>) -> Float {
    let n = Double(x.count)
    guard n > 1 else { return 0 }
    var sx = 0.0, sy = 0.0
    for (u, v) in zip(x, y) { sx += Double(u); sy += Double(v) }
    let mx = sx / n, my = sy / n
    var sxy = 0.0, sxx = 0.0, syy = 0.0
    for (u, v) in zip(x, y) {
        let du = Double(u) - mx, dv = Double(v) - my
        sxy += du * dv; sxx += du * du; syy += dv * dv
    }
    guard sxx > 0, syy > 0 else { return 0 }
    return Float(sxy / (sxx * syy).squareRoot())
}
