import Foundation
import MindImage
import MindTensor

/// The reference's stage-A figure: for a few samples, the true voxel trace (gray) and the
/// reconstruction (blue) over the voxel index, with masked patches shaded; one panel per sample,
/// stacked vertically in one PNG. Each panel is titled with the sample and its correlations between
/// reconstruction and truth on the masked patches and on all voxels; axes are labelled.
public enum ReconstructionFigure {
    public static func write(_ url: URL, truth: Tensor, reconstruction: Tensor, mask: Tensor, patchSize: Int, samples: Int,
                             title: String = "MAE reconstruction") throws {
        let panels = try plots(truth: truth, reconstruction: reconstruction, mask: mask, patchSize: patchSize, samples: samples, title: title)
        try ImageGrid.save(panels.map { try $0.render() }, columns: 1, to: url.path)
    }

    /// The figure's panels before rendering: one titled, labelled plot per sample.
    public static func plots(truth: Tensor, reconstruction: Tensor, mask: Tensor, patchSize: Int, samples: Int,
                             title: String = "MAE reconstruction") throws -> [LinePlot] {
        guard truth.shape == reconstruction.shape, truth.rank == 3, mask.rank == 2, mask.shape[0] == truth.shape[0],
              mask.shape[1] * patchSize == truth.shape[2] else {
            throw TensorError("reconstruction figure: truth \(Shape.describe(truth.shape)), reconstruction \(Shape.describe(reconstruction.shape)) and mask \(Shape.describe(mask.shape)) do not fit together")
        }
        let n = Swift.min(samples, truth.shape[0]), v = truth.shape[2], l = mask.shape[1]
        let t = try truth.toArray(), r = try reconstruction.toArray(), m = try mask.toArray()
        return (0..<n).map { s -> LinePlot in
            let trueTrace = Array(t[(s * v)..<((s + 1) * v)]), reconstructed = Array(r[(s * v)..<((s + 1) * v)])
            let masked = (0..<v).filter { m[s * l + $0 / patchSize] > 0.5 }
            let maskedCor = pearson(ArraySlice(masked.map { trueTrace[$0] }), ArraySlice(masked.map { reconstructed[$0] }))
            let allCor = pearson(trueTrace[...], reconstructed[...])
            var plot = LinePlot(width: 900, height: 200)
            plot.addSeries(trueTrace, color: .gray, lineWidth: 1.2)
            plot.addSeries(reconstructed, color: .blue, lineWidth: 1.2)
            plot.shadedXRanges = (0..<l).filter { m[s * l + $0] > 0.5 }.map {
                Float($0 * patchSize)...Float(($0 + 1) * patchSize - 1)
            }
            plot.xRange = 0...Float(v - 1)
            plot.title = "\(title) - sample \(s + 1): r = " + String(format: "%.3f on masked patches (shaded), %.3f on all voxels", maskedCor, allCor)
            plot.xLabel = "voxel (gray: fMRI, blue: reconstruction)"
            plot.yLabel = "signal (z)"
            return plot
        }
    }
}
