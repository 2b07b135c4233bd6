import Foundation
import MindTensor

/// The linear stage of the voxel model: each voxel's drive is its pRF-weighted, feature-tuned sum over the
/// feature bank. Voxels read the block whose grid matches their pRF size (fine 16×16 for σ < 1.5°,
/// medium 8×8 below 3°, coarse 4×4 above; higher areas read coarse + semantics), and small pRFs only touch
/// a window of the fine grid. Voxels sharing a window form a group, and each group is one GEMM
/// [images × window features] × [window features × group voxels] — a block-sparse product that skips the
/// ~90% of zero weights a dense [features × voxels] matrix would hold.
struct Readout: Sendable {
    struct Group: Sendable {
        /// Feature columns read (into the full feature vector).
        var columns: [Int]
        /// Output voxel columns written.
        var voxels: [Int]
        /// columns.count × voxels.count, row-major.
        var weights: [Float]
    }

    let groups: [Group]
    let voxelCount: Int
    let featureCount: Int

    /// Pixels of the 64-px working image per degree of visual angle.
    static let pixelsPerDegree = Float(FeatureBank.workingSize) / (2 * CorticalLayout.fieldRadius)
    /// Fine-grid windows are aligned to tiles of this many cells, which bounds the number of groups.
    static let tile = 4

    /// Builds the grouped weights. `channelScale[c]` (one per image-feature column) normalizes each
    /// channel to unit mean over calibration images; `featureCount` is the row length of the feature matrices
    /// the readout will be applied to (image features, or image + semantic features for stimuli).
    init(layout: CorticalLayout, channelScale: [Float], featureCount: Int) {
        precondition(channelScale.count == FeatureBank.imageFeatureCount, "Readout: one scale per image feature")
        var byKey: [[Int]: (voxels: [Int], weightColumns: [[Float]], columns: [Int])] = [:]
        var keyOrder: [[Int]] = []
        let voxels = layout.voxels
        for v in 0..<voxels.count {
            let spec = layout.rois[voxels.roi[v]]
            let tuning = layout.tunings[v]
            let sigma = voxels.prfSigma[v] * Readout.pixelsPerDegree
            let cx = (voxels.prfX[v] + CorticalLayout.fieldRadius) * Readout.pixelsPerDegree
            let cy = (CorticalLayout.fieldRadius - voxels.prfY[v]) * Readout.pixelsPerDegree
            var blocks: [FeatureBlock]
            if spec.isHigher {
                blocks = [FeatureBank.coarse]
                if featureCount >= FeatureBank.stimulusFeatureCount { blocks.append(FeatureBank.semantic) }
            } else if sigma < 8 {
                blocks = [FeatureBank.fine]
            } else if sigma < 16 {
                blocks = [FeatureBank.medium]
            } else {
                blocks = [FeatureBank.coarse]
            }
            // Window (in cells) of the first block; other blocks are read whole.
            let first = blocks[0]
            var window = (x: 0..<first.grid, y: 0..<first.grid)
            if first.grid == FeatureBank.fine.grid {
                window = (Readout.window(center: cx, sigma: sigma, block: first),
                          Readout.window(center: cy, sigma: sigma, block: first))
            }
            let key = [first.offset, window.x.lowerBound, window.x.upperBound, window.y.lowerBound, window.y.upperBound, blocks.count]
            var columns: [Int] = []
            var weights: [Float] = []
            let familyWeights = Readout.familyWeights(tuning: tuning, blocks: blocks)
            for block in blocks {
                let xs = block.grid == first.grid ? window.x : 0..<block.grid
                let ys = block.grid == first.grid ? window.y : 0..<block.grid
                let wx = Readout.cellMass(center: cx, sigma: sigma, cells: xs, cellSize: block.cellSize)
                let wy = Readout.cellMass(center: cy, sigma: sigma, cells: ys, cellSize: block.cellSize)
                for (c, channel) in block.channels.enumerated() {
                    let tuningWeight: Float
                    if channel.family == .semantic {
                        tuningWeight = tuning.semantic[c]
                    } else {
                        var w = familyWeights[channel.family.rawValue]
                        if let o = channel.orientation {
                            w *= 1 + tuning.orientationAmplitude * cos(2 * (Float(o) * .pi / 4 - tuning.preferredOrientation))
                        }
                        tuningWeight = w
                    }
                    for (iy, gy) in ys.enumerated() {
                        for (ix, gx) in xs.enumerated() {
                            let column = block.offset + c * block.grid * block.grid + gy * block.grid + gx
                            let scale = column < channelScale.count ? channelScale[column] : 1
                            columns.append(column)
                            weights.append(tuningWeight * wx[ix] * wy[iy] * scale)
                        }
                    }
                }
            }
            if byKey[key] == nil {
                byKey[key] = ([], [], columns)
                keyOrder.append(key)
            }
            byKey[key]!.voxels.append(v)
            byKey[key]!.weightColumns.append(weights)
        }
        groups = keyOrder.map { key in
            let entry = byKey[key]!
            let f = entry.columns.count
            let n = entry.voxels.count
            var weights = [Float](repeating: 0, count: f * n)
            for (j, column) in entry.weightColumns.enumerated() {
                for i in 0..<f { weights[i * n + j] = column[i] }
            }
            return Group(columns: entry.columns, voxels: entry.voxels, weights: weights)
        }
        voxelCount = voxels.count
        self.featureCount = featureCount
    }

    /// Tile-aligned range of fine-grid cells holding the pRF within ±2.5σ (at least one tile).
    static func window(center: Float, sigma: Float, block: FeatureBlock) -> Range<Int> {
        let cell = block.cellSize
        let lo = min(max(Int(((center - 2.5 * sigma) / cell).rounded(.down)), 0), block.grid - 1)
        let hi = min(max(Int(((center + 2.5 * sigma) / cell).rounded(.down)), 0), block.grid - 1)
        return (lo / tile * tile)..<min(block.grid, (hi / tile + 1) * tile)
    }

    /// Mass of a 1-D Gaussian (centre, σ in px) in each cell: Φ(right edge) − Φ(left edge). The 2-D pRF is
    /// the product of the x and y masses, so a pRF reaching past the image border loses drive.
    static func cellMass(center: Float, sigma: Float, cells: Range<Int>, cellSize: Float) -> [Float] {
        let scale = 1 / (sigma * Float(2).squareRoot())
        return cells.map { i in
            let a = (Float(i) * cellSize - center) * scale
            let b = (Float(i + 1) * cellSize - center) * scale
            return 0.5 * (erf(b) - erf(a))
        }
    }

    /// Family weights renormalized over the families the voxel's blocks provide, divided among the channels
    /// of each family, so a voxel's image-driven drive is about 1 for typical images.
    static func familyWeights(tuning: VoxelTuning, blocks: [FeatureBlock]) -> [Float] {
        var channelsPerFamily = [Int](repeating: 0, count: FeatureFamily.allCases.count)
        for block in blocks {
            for channel in block.channels { channelsPerFamily[channel.family.rawValue] += 1 }
        }
        var total: Float = 0
        for f in FeatureFamily.allCases where f != .semantic && channelsPerFamily[f.rawValue] > 0 {
            total += tuning.families[f.rawValue]
        }
        return FeatureFamily.allCases.map { f in
            let n = channelsPerFamily[f.rawValue]
            guard f != .semantic, n > 0, total > 0 else { return 0 }
            return tuning.families[f.rawValue] / total / Float(n)
        }
    }

    /// drive (rows × voxelCount) = features (rows × featureCount) through the grouped weights. Calls BLAS;
    /// do not run it concurrently with other threaded work.
    func apply(features: UnsafeBufferPointer<Float>, rows: Int, into drive: UnsafeMutableBufferPointer<Float>) {
        precondition(features.count >= rows * featureCount && drive.count >= rows * voxelCount, "Readout: buffer sizes")
        let largestInput = groups.map { $0.columns.count }.max() ?? 0
        let largestOutput = groups.map { $0.voxels.count }.max() ?? 0
        // Features transposed (featureCount × rows), so a group's inputs are gathered as contiguous rows.
        let transposed = UnsafeMutablePointer<Float>.allocate(capacity: max(rows * featureCount, 1))
        let gathered = UnsafeMutablePointer<Float>.allocate(capacity: max(rows * largestInput, 1))
        let out = UnsafeMutablePointer<Float>.allocate(capacity: max(rows * largestOutput, 1))
        defer {
            transposed.deallocate()
            gathered.deallocate()
            out.deallocate()
        }
        let source = features.baseAddress!
        for r in 0..<rows {
            let row = source + r * featureCount
            for f in 0..<featureCount { transposed[f * rows + r] = row[f] }
        }
        let target = drive.baseAddress!
        for group in groups {
            let f = group.columns.count
            let n = group.voxels.count
            group.columns.withUnsafeBufferPointer { columns in
                for i in 0..<f { (gathered + i * rows).update(from: transposed + columns[i] * rows, count: rows) }
            }
            group.weights.withUnsafeBufferPointer { w in
                BLAS.sgemm(transposeA: true, m: rows, n: n, k: f, a: gathered, lda: rows, b: w.baseAddress!, ldb: n,
                           c: out, ldc: n)
            }
            group.voxels.withUnsafeBufferPointer { voxels in
                for r in 0..<rows {
                    let dst = target + r * voxelCount
                    let src = out + r * n
                    for j in 0..<n { dst[voxels[j]] = src[j] }
                }
            }
        }
    }
}
