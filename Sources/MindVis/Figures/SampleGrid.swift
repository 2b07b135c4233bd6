import Foundation
import MindImage
import MindTensor

/// The figure of generated images as the reference draws it (REFERENCE.md §4.11): one row per condition, the
/// ground truth first, then its samples — 1 + num_samples columns.
public enum SampleGrid {
    /// - Parameters:
    ///   - truth: [B, C, H, W] in [0, 1], or nil for rows of samples only.
    ///   - samples: [B, S, C, H, W] in [0, 1] (what `generate` returns); C is 1 or 3.
    ///   - rows: the first `rows` conditions only (all by default).
    public static func image(truth: Tensor?, samples: Tensor, rows: Int? = nil) throws -> Image {
        guard samples.rank == 5, samples.shape[0] > 0, samples.shape[1] > 0, [1, 3].contains(samples.shape[2]) else {
            throw TensorError("sample grid: samples must be [B, S, 1 or 3, H, W], got \(Shape.describe(samples.shape))")
        }
        let perRow = samples.shape[1]
        let imageShape = Array(samples.shape.dropFirst(2))
        if let truth, truth.shape != [samples.shape[0]] + imageShape {
            throw TensorError("sample grid: ground truth must be \(Shape.describe([samples.shape[0]] + imageShape)) for these samples, got \(Shape.describe(truth.shape))")
        }
        var images: [Image] = []
        for r in 0..<Swift.min(rows ?? samples.shape[0], samples.shape[0]) {
            if let truth { images.append(try image(truth.select(0, r))) }
            for s in 0..<perRow { images.append(try image(samples.select(0, r).select(0, s))) }
        }
        return try ImageGrid.compose(images, columns: perRow + (truth == nil ? 0 : 1))
    }

    /// The grid written as a PNG, atomically.
    public static func write(_ url: URL, truth: Tensor?, samples: Tensor, rows: Int? = nil) throws {
        try PNG.write(image(truth: truth, samples: samples, rows: rows), to: url.path)
    }

    /// A [C, H, W] image in [0, 1] as 8-bit pixels.
    static func image(_ t: Tensor) throws -> Image {
        try Image(floatCHW: t.contiguous().toArray(), width: t.shape[2], height: t.shape[1], channels: t.shape[0])
    }
}
