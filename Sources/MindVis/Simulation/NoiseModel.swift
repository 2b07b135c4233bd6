import MindTensor

/// Trial-to-trial noise of one set of voxels. fMRI noise is spatially structured: besides independent
/// thermal noise, neighbouring voxels share fluctuations (vasculature, partial volumes, smoothing), and the
/// whole cortex shares a few global ones (physiology, motion). Each voxel's noise is
/// `sd · (a·ε_v + b·mean-normalized Σ_{u ∈ neighbours(v)} ε_u + c·(L z)_v)` with a² + b² + c² = 1, so
/// `sd` is the per-voxel SD while the local term makes the noise high-rank but smooth (a decoder cannot
/// simply project it out) and the factor term adds low-rank, long-range correlations.
struct NoiseModel: Sendable {
    static let independentShare: Float = 0.3
    static let neighbourShare: Float = 0.4
    static let factorShare: Float = 0.3
    static let factors = 8
    static let neighbours = 8
    /// Voxels farther apart than this (mm) are never neighbours.
    static let neighbourRadius: Float = 8

    let sd: [Float]
    /// voxels × factors unit-length rows.
    let loadings: [Float]
    /// Neighbour lists in compressed form: voxel v's neighbours are `neighbourIndex[neighbourStart[v] ..< neighbourStart[v + 1]]`.
    let neighbourStart: [Int]
    let neighbourIndex: [Int32]

    init(voxels: VoxelParameters, sd: [Float], rng: inout Xoshiro256StarStar) {
        self.sd = sd
        loadings = SmoothFields.unitLoadings(voxels, count: NoiseModel.factors, rng: &rng)
        (neighbourStart, neighbourIndex) = NoiseModel.nearestNeighbours(voxels)
    }

    /// The same noise structure with every SD multiplied by `factor` (a subject's overall SNR).
    func scaled(by factor: Float) -> NoiseModel {
        NoiseModel(sd: sd.map { $0 * factor }, loadings: loadings, neighbourStart: neighbourStart, neighbourIndex: neighbourIndex)
    }

    private init(sd: [Float], loadings: [Float], neighbourStart: [Int], neighbourIndex: [Int32]) {
        self.sd = sd
        self.loadings = loadings
        self.neighbourStart = neighbourStart
        self.neighbourIndex = neighbourIndex
    }

    /// Up to `neighbours` nearest voxels within `neighbourRadius`, found through a hash grid of radius-sized cells.
    static func nearestNeighbours(_ voxels: VoxelParameters) -> ([Int], [Int32]) {
        let cell = neighbourRadius
        func key(_ v: Int) -> SIMD3<Int32> {
            SIMD3(Int32((voxels.positionX[v] / cell).rounded(.down)), Int32((voxels.positionY[v] / cell).rounded(.down)),
                  Int32((voxels.positionZ[v] / cell).rounded(.down)))
        }
        var grid: [SIMD3<Int32>: [Int]] = [:]
        for v in 0..<voxels.count { grid[key(v), default: []].append(v) }
        var starts = [0]
        var indices: [Int32] = []
        for v in 0..<voxels.count {
            let k = key(v)
            var candidates: [(Float, Int)] = []
            for dx: Int32 in -1...1 {
                for dy: Int32 in -1...1 {
                    for dz: Int32 in -1...1 {
                        for u in grid[k &+ SIMD3(dx, dy, dz)] ?? [] where u != v {
                            let ex = voxels.positionX[u] - voxels.positionX[v]
                            let ey = voxels.positionY[u] - voxels.positionY[v]
                            let ez = voxels.positionZ[u] - voxels.positionZ[v]
                            let d2 = ex * ex + ey * ey + ez * ez
                            if d2 <= cell * cell { candidates.append((d2, u)) }
                        }
                    }
                }
            }
            // Ties broken by index so the lists do not depend on hash-table order.
            candidates.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
            indices += candidates.prefix(neighbours).map { Int32($0.1) }
            starts.append(indices.count)
        }
        return (starts, indices)
    }

    /// Rows `out[r] = signal[sourceRows[r]] + noise_r`. Row r draws its independent noise from the stream
    /// (`seed`, `stream`..., r) and the latent factors of all rows come from (`seed`, `stream`..., rows), so the
    /// result does not depend on how rows are split over threads. Calls BLAS, then runs its own threads.
    func trials(signal: [Float], sourceRows: [Int], voxelCount: Int, seed: UInt64, stream: [UInt64]) -> [Float] {
        let rows = sourceRows.count
        let k = NoiseModel.factors
        var out = [Float](repeating: 0, count: rows * voxelCount)
        var latent = [Float](repeating: 0, count: rows * k)
        var latentRNG = Xoshiro256StarStar(seed: Xoshiro256StarStar.derive(seed, stream + [UInt64(rows)]))
        latent.withUnsafeMutableBufferPointer { latentRNG.fillNormal($0) }
        latent.withUnsafeBufferPointer { z in
            loadings.withUnsafeBufferPointer { l in
                out.withUnsafeMutableBufferPointer { o in
                    BLAS.sgemm(transposeB: true, m: rows, n: voxelCount, k: k, a: z.baseAddress!, lda: k,
                               b: l.baseAddress!, ldb: k, c: o.baseAddress!, ldc: voxelCount)
                }
            }
        }
        let a = NoiseModel.independentShare.squareRoot()
        let b = NoiseModel.neighbourShare.squareRoot()
        let c = NoiseModel.factorShare.squareRoot()
        out.withUnsafeMutableBufferPointer { o in
            let base = o.baseAddress!
            signal.withUnsafeBufferPointer { s in
                sd.withUnsafeBufferPointer { sd in
                    neighbourStart.withUnsafeBufferPointer { starts in
                        neighbourIndex.withUnsafeBufferPointer { index in
                            Parallel.forEachChunk(rows) { range, _ in
                                let epsilon = UnsafeMutablePointer<Float>.allocate(capacity: voxelCount)
                                defer { epsilon.deallocate() }
                                for r in range {
                                    var rng = Xoshiro256StarStar(seed: Xoshiro256StarStar.derive(seed, stream + [UInt64(r)]))
                                    rng.fillNormal(UnsafeMutableBufferPointer(start: epsilon, count: voxelCount))
                                    let row = base + r * voxelCount
                                    let source = s.baseAddress! + sourceRows[r] * voxelCount
                                    for v in 0..<voxelCount {
                                        var local: Float = 0
                                        let first = starts[v]
                                        let last = starts[v + 1]
                                        for j in first..<last { local += epsilon[Int(index[j])] }
                                        let localScale: Float = last > first ? b / Float(last - first).squareRoot() : 0
                                        // A voxel without neighbours keeps unit variance through its own draw.
                                        let own: Float = last > first ? a : (a * a + b * b).squareRoot()
                                        row[v] = source[v] + sd[v] * (own * epsilon[v] + localScale * local + c * row[v])
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return out
    }
}
