import XCTest
@testable import MindVis
import MindTensor

final class SimulationReadoutTests: XCTestCase {
    func testCellMass() {
        let inside = Readout.cellMass(center: 32, sigma: 3, cells: 0..<16, cellSize: 4)
        XCTAssertEqual(inside.reduce(0, +), 1, accuracy: 1e-5)
        XCTAssertEqual(inside[7], inside[8], accuracy: 1e-6, "symmetric about the centre")
        let edge = Readout.cellMass(center: 0, sigma: 3, cells: 0..<16, cellSize: 4)
        XCTAssertEqual(edge.reduce(0, +), 0.5, accuracy: 1e-5, "half of a pRF centred on the border is off the image")
        let window = Readout.window(center: 30, sigma: 2, block: FeatureBank.fine)
        XCTAssertEqual(window, 4..<12, "±2.5σ = 25...35 px → cells 6...8, widened to whole tiles")
    }

    /// The grouped product equals the per-voxel sum of tuning × pRF mass × normalized feature.
    func testGroupedProductMatchesDirectSum() {
        var rng = Xoshiro256StarStar(seed: 11)
        let layout = CorticalLayout(rois: CorticalLayout.godROIs, counts: [12, 10, 10, 8, 6, 6, 8], groupedByROI: false, rng: &rng)
        let scale = (0..<FeatureBank.imageFeatureCount).map { _ in rng.uniform(0.5, 2) }
        let readout = Readout(layout: layout, channelScale: scale, featureCount: FeatureBank.stimulusFeatureCount)
        let voxels = layout.voxels.count
        XCTAssertEqual(readout.groups.flatMap(\.voxels).sorted(), Array(0..<voxels), "each voxel in exactly one group")

        let rows = 3
        let features = (0..<(rows * FeatureBank.stimulusFeatureCount)).map { _ in rng.uniform(0, 1) }
        var drive = [Float](repeating: 0, count: rows * voxels)
        features.withUnsafeBufferPointer { f in
            drive.withUnsafeMutableBufferPointer { readout.apply(features: f, rows: rows, into: $0) }
        }
        for v in 0..<voxels {
            let spec = layout.rois[layout.voxels.roi[v]]
            let sigma = layout.voxels.prfSigma[v] * Readout.pixelsPerDegree
            let cx = (layout.voxels.prfX[v] + 6) * Readout.pixelsPerDegree
            let cy = (6 - layout.voxels.prfY[v]) * Readout.pixelsPerDegree
            let blocks = spec.isHigher ? [FeatureBank.coarse, FeatureBank.semantic]
                : sigma < 8 ? [FeatureBank.fine] : sigma < 16 ? [FeatureBank.medium] : [FeatureBank.coarse]
            let families = Readout.familyWeights(tuning: layout.tunings[v], blocks: blocks)
            for r in 0..<rows {
                var expected: Float = 0
                for block in blocks {
                    var xs = 0..<block.grid, ys = 0..<block.grid
                    if block.grid == 16 {
                        xs = Readout.window(center: cx, sigma: sigma, block: block)
                        ys = Readout.window(center: cy, sigma: sigma, block: block)
                    }
                    let mx = Readout.cellMass(center: cx, sigma: sigma, cells: xs, cellSize: block.cellSize)
                    let my = Readout.cellMass(center: cy, sigma: sigma, cells: ys, cellSize: block.cellSize)
                    for (c, channel) in block.channels.enumerated() {
                        var t: Float
                        if channel.family == .semantic {
                            t = layout.tunings[v].semantic[c]
                        } else {
                            t = families[channel.family.rawValue]
                            if let o = channel.orientation {
                                t *= 1 + layout.tunings[v].orientationAmplitude
                                    * cos(2 * (Float(o) * .pi / 4 - layout.tunings[v].preferredOrientation))
                            }
                        }
                        for (iy, gy) in ys.enumerated() {
                            for (ix, gx) in xs.enumerated() {
                                let column = block.offset + c * block.grid * block.grid + gy * block.grid + gx
                                let s = column < scale.count ? scale[column] : 1
                                expected += t * mx[ix] * my[iy] * s * features[r * FeatureBank.stimulusFeatureCount + column]
                            }
                        }
                    }
                }
                XCTAssertEqual(drive[r * voxels + v], expected, accuracy: 1e-4 * max(1, abs(expected)))
            }
        }
    }
}
