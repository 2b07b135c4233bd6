import MindTensor

/// Mean structural similarity of each image pair of two [N, C, H, W] batches, exactly as scikit-image's
/// `structural_similarity(a, b, data_range=R, channel_axis=...)` computes it with its defaults (the pair-wise
/// SSIM of REFERENCE.md §7.2): 7×7 uniform windows, K1 = 0.01, K2 = 0.03, sample (co)variances (N − 1 = 48),
/// the SSIM map averaged over the windows that lie wholly inside the image, then over channels. Window sums
/// come from summed-area tables in double.
public func structuralSimilarity(_ a: Tensor, _ b: Tensor, dataRange: Double) throws -> [Double] {
    let window = 7
    guard a.shape == b.shape, a.rank == 4, a.numel > 0 else {
        throw TensorError("ssim: images \(Shape.describe(a.shape)) and \(Shape.describe(b.shape)) must be equal, non-empty [N, C, H, W] batches")
    }
    let (n, c, h, w) = (a.shape[0], a.shape[1], a.shape[2], a.shape[3])
    guard h >= window, w >= window else { throw TensorError("ssim: images of \(h)x\(w) are smaller than the \(window)x\(window) window") }
    guard dataRange > 0 else { throw TensorError("ssim: data_range must be positive, got \(dataRange)") }
    let x = try a.toArray(), y = try b.toArray()
    let c1 = (0.01 * dataRange) * (0.01 * dataRange), c2 = (0.03 * dataRange) * (0.03 * dataRange)
    let count = Double(window * window), covarianceNorm = count / (count - 1)
    let validRows = h - window + 1, validCols = w - window + 1
    var tables = SummedAreaTables(height: h, width: w)
    return (0..<n).map { i in
        var total = 0.0
        for channel in 0..<c {
            let offset = (i * c + channel) * h * w
            tables.fill(x, y, offset: offset)
            for r in 0..<validRows {
                for col in 0..<validCols {
                    let s = tables.windowSums(row: r, col: col, size: window)
                    let mx = s.x / count, my = s.y / count
                    let vx = covarianceNorm * (s.xx / count - mx * mx)
                    let vy = covarianceNorm * (s.yy / count - my * my)
                    let vxy = covarianceNorm * (s.xy / count - mx * my)
                    total += ((2 * mx * my + c1) * (2 * vxy + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2))
                }
            }
        }
        return total / Double(c * validRows * validCols)
    }
}

/// Inclusive prefix sums of x, y, x², y² and xy over one image plane, with a zero row and column in front.
struct SummedAreaTables {
    let height: Int, width: Int
    var x, y, xx, yy, xy: [Double]

    init(height: Int, width: Int) {
        (self.height, self.width) = (height, width)
        let size = (height + 1) * (width + 1)
        (x, y, xx, yy, xy) = ([Double](repeating: 0, count: size), [Double](repeating: 0, count: size),
                              [Double](repeating: 0, count: size), [Double](repeating: 0, count: size), [Double](repeating: 0, count: size))
    }

    mutating func fill(_ a: [Float], _ b: [Float], offset: Int) {
        let stride = width + 1
        for r in 0..<height {
            for col in 0..<width {
                let u = Double(a[offset + r * width + col]), v = Double(b[offset + r * width + col])
                let p = (r + 1) * stride + col + 1, up = r * stride + col + 1, left = p - 1, diagonal = up - 1
                x[p] = u + x[up] + x[left] - x[diagonal]
                y[p] = v + y[up] + y[left] - y[diagonal]
                xx[p] = u * u + xx[up] + xx[left] - xx[diagonal]
                yy[p] = v * v + yy[up] + yy[left] - yy[diagonal]
                xy[p] = u * v + xy[up] + xy[left] - xy[diagonal]
            }
        }
    }

    /// Sums over the size×size window whose top-left pixel is (row, col).
    func windowSums(row: Int, col: Int, size: Int) -> (x: Double, y: Double, xx: Double, yy: Double, xy: Double) {
        let stride = width + 1
        let a = row * stride + col, b = row * stride + col + size, c = (row + size) * stride + col, d = (row + size) * stride + col + size
        func sum(_ t: [Double]) -> Double { t[d] - t[b] - t[c] + t[a] }
        return (sum(x), sum(y), sum(xx), sum(yy), sum(xy))
    }
}
