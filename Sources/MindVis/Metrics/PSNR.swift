import Foundation
import MindTensor

/// Peak signal-to-noise ratio 10·log10(R² / MSE) in dB of each image of two [N, ...] batches, with R the data
/// range (1 for images in [0, 1], 255 for bytes). Accumulated in double; identical images give +∞.
public func peakSignalToNoiseRatio(_ a: Tensor, _ b: Tensor, dataRange: Double) throws -> [Double] {
    guard a.shape == b.shape, a.rank >= 2, a.numel > 0 else {
        throw TensorError("psnr: images \(Shape.describe(a.shape)) and \(Shape.describe(b.shape)) must be equal, non-empty [N, ...] batches")
    }
    guard dataRange > 0 else { throw TensorError("psnr: data_range must be positive, got \(dataRange)") }
    let n = a.shape[0], size = a.numel / n
    let x = try a.toArray(), y = try b.toArray()
    return (0..<n).map { i in
        var squares = 0.0
        for j in (i * size)..<((i + 1) * size) {
            let d = Double(x[j]) - Double(y[j])
            squares += d * d
        }
        return 10 * log10(dataRange * dataRange / (squares / Double(size)))
    }
}
