import Foundation
import MindTensor

/// The nonlinear and stochastic stages of the voxel model, shared by the GOD-like subjects and the pool.
enum ResponseModel {
    /// Sharpness of the softplus that rectifies the (possibly negative, for semantic tuning) drive.
    static let softplusSharpness: Float = 4

    /// In place: drive → gain · softplus(drive)^exponent + baseline (compressive spatial summation: the
    /// exponent is below 1). `gainMap` optionally multiplies each voxel's gain (per-subject differences).
    static func applyNonlinearity(_ values: inout [Float], rows: Int, voxels: VoxelParameters, gainMap: [Float]? = nil) {
        let count = voxels.count
        let beta = softplusSharpness
        let gains = gainMap.map { map in zip(map, voxels.gain).map { $0 * $1 } } ?? voxels.gain
        values.withUnsafeMutableBufferPointer { out in
            let base = out.baseAddress!
            gains.withUnsafeBufferPointer { gains in
                voxels.exponent.withUnsafeBufferPointer { exponent in
                    voxels.baseline.withUnsafeBufferPointer { baseline in
                        Parallel.forEachChunk(rows) { range, _ in
                            for r in range {
                                let row = base + r * count
                                for v in 0..<count {
                                    let d = beta * row[v]
                                    let softplus = (d > 15 ? d : log1p(exp(d))) / beta
                                    row[v] = gains[v] * pow(softplus, exponent[v]) + baseline[v]
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Variance (population) of each column over the first `rows` rows, accumulated in Double.
    static func columnVariance(_ values: [Float], rows: Int, columns: Int) -> [Float] {
        var sum = [Double](repeating: 0, count: columns)
        var squares = [Double](repeating: 0, count: columns)
        for r in 0..<rows {
            for c in 0..<columns {
                let x = Double(values[r * columns + c])
                sum[c] += x
                squares[c] += x * x
            }
        }
        let n = Double(max(rows, 1))
        return (0..<columns).map { c in Float(max(squares[c] / n - (sum[c] / n) * (sum[c] / n), 0)) }
    }

    /// Trial-noise SD per voxel so that signal variance / noise variance equals the voxel's target SNR
    /// (times `snrScale`). Voxels without signal (pRF off the image) get noise as large as a typical voxel
    /// of their ROI: their variance is floored at 5% of the ROI median.
    static func noiseSD(signalVariance: [Float], voxels: VoxelParameters, snrScale: Float, level: Float) -> [Float] {
        var floors: [Int: Float] = [:]
        for roi in Set(voxels.roi) {
            let values = (0..<voxels.count).filter { voxels.roi[$0] == roi }.map { signalVariance[$0] }.sorted()
            floors[roi] = 0.05 * values[values.count / 2]
        }
        return (0..<voxels.count).map { v in
            let variance = max(signalVariance[v], floors[voxels.roi[v]] ?? 0, 1e-8)
            return level * (variance / (voxels.targetSNR[v] * snrScale)).squareRoot()
        }
    }
}
