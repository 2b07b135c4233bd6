import Foundation
import MindImage
import MindTensor

/// The reference's sample figure (`generate` in `ldm_for_fmri.py`): one row per test item, its ground truth in
/// the first column and its K samples after it; for generated images and the ridge baseline's alike.
public enum SampleGrid {
    /// `groundTruth` [N, 3, H, W] and `samples` [N, K, 3, H, W] or [N, 3, H, W], values in [0, 1]; the first
    /// `rows` items (all by default).
    public static func image(groundTruth: Tensor, samples: Tensor, rows: Int? = nil) throws -> Image {
        let images = try SampleColumns(groundTruth: groundTruth, samples: samples, operation: "sample grid")
        let shown = Swift.min(rows ?? images.items, images.items)
        guard shown > 0 else { throw TensorError("sample grid: rows must be positive, got \(shown)") }
        let (h, w) = (groundTruth.shape[2], groundTruth.shape[3])
        func tile(_ t: Tensor, _ i: Int) throws -> Image {
            try Image(floatCHW: t.select(0, i).contiguous().toArray(), width: w, height: h, channels: 3)
        }
        var tiles: [Image] = []
        for i in 0..<shown {
            tiles.append(try tile(images.groundTruth, i))
            for column in images.columns { tiles.append(try tile(column, i)) }
        }
        do {
            return try ImageGrid.compose(tiles, columns: images.columns.count + 1)
        } catch let error as ImageError {
            throw TensorError("sample grid: \(error)")
        }
    }

    /// The grid written as a PNG (atomically).
    public static func write(_ url: URL, groundTruth: Tensor, samples: Tensor, rows: Int? = nil) throws {
        let grid = try image(groundTruth: groundTruth, samples: samples, rows: rows)
        do {
            try PNG.write(grid, to: url.path)
        } catch let error as ImageError {
            throw TensorError("sample grid: \(error)")
        }
    }
}
