import Foundation
import MindImage
import MindTensor

/// The first stage's figure: pairs of (input | reconstruction) side by side, four pairs per row, as one PNG.
public enum ReconstructionGrid {
    public static func write(_ url: URL, inputs: Tensor, reconstructions: Tensor, pairsPerRow: Int = 4) throws {
        guard inputs.shape == reconstructions.shape, inputs.rank == 4, [1, 3].contains(inputs.shape[1]), inputs.shape[0] > 0 else {
            throw TensorError("reconstruction grid: inputs \(Shape.describe(inputs.shape)) and reconstructions \(Shape.describe(reconstructions.shape)) must be equal [N, 1 or 3, H, W] batches")
        }
        let n = inputs.shape[0]
        var images: [Image] = []
        for i in 0..<n {
            images.append(try image(inputs.select(0, i)))
            images.append(try image(reconstructions.select(0, i)))
        }
        try ImageGrid.save(images, columns: 2 * Swift.min(pairsPerRow, n), to: url.path)
    }

    /// A [C, H, W] image in [−1, 1] as 8-bit pixels (clamped).
    static func image(_ t: Tensor) throws -> Image {
        let values = try t.toArray().map { ($0 + 1) / 2 }
        return try Image(floatCHW: values, width: t.shape[2], height: t.shape[1], channels: t.shape[0])
    }
}
