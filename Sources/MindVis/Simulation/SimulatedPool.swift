import Foundation
import MindImage
import MindTensor

/// One pool subject's frame matrices in the layout of an `HCP_visual_voxel.npz` file.
public struct PoolFrames: Sendable {
    public let subject: String
    public let frameCount: Int
    /// (ROI name, frameCount × ROI voxels, row-major) for V1, V2, V3, V4.
    public let rois: [(String, [Float])]
}

/// The unlabelled pool (the HCP role in pre-training): subjects sharing one atlas space of V1–V4 voxels
/// (same voxel count for everyone, like HCP's atlas-defined ROIs), each with its own gain map, SNR and
/// spontaneous activity. A sample is the response to a natural-like random image plus trial noise plus
/// low-rank, spatially smooth spontaneous fluctuations that drift slowly from sample to sample.
///
/// Subjects are computed on demand (a full pool of frame matrices would take gigabytes): `samples` gives
/// a subject's samples, `frames` the frame matrices whose consecutive windows of `framesPerSample` frames
/// average back to those samples, as the reference's HCP loader averages them. Both are deterministic
/// functions of the configuration and the subject index.
public struct SimulatedPool: Sendable {
    public let subjectNames: [String]
    public let roiNames: [String]
    public let roiVoxelCounts: [Int]
    public let samplesPerSubject: Int
    public let framesPerSample: Int
    /// Ground truth of the atlas-space voxels (columns: V1, then V2, V3, V4).
    public let voxels: VoxelParameters

    public var voxelCount: Int { voxels.count }
    public var sampleCount: Int { subjectNames.count * samplesPerSubject }

    private let readout: Readout
    private let seed: UInt64
    private let noise: NoiseModel
    private let signalSD: [Float]
    private let spontaneousLevel: Float

    /// Pool subjects are named `sim_0001`, `sim_0002`, ... (at least four digits).
    public static let subjectPrefix = "sim_"

    static let spontaneousFactors = 6
    /// Lag-one correlation of the spontaneous latent factors between consecutive samples.
    static let spontaneousPersistence: Float = 0.6
    /// Frame-level noise SD relative to the sample-level trial noise.
    static let frameNoise: Float = 1.5

    /// `calibration` supplies natural-image features used to set the voxels' signal and noise scales.
    init(config: SimulationConfig, calibration: Calibration) {
        seed = config.seed
        var rng = Xoshiro256StarStar(seed: seed, stream: SeedTag.poolLayout)
        let counts = config.poolROICounts
        var layout = CorticalLayout(rois: CorticalLayout.poolROIs, counts: counts, groupedByROI: true, rng: &rng)
        let readout = Readout(layout: layout, channelScale: calibration.channelScale,
                              featureCount: FeatureBank.imageFeatureCount)
        self.readout = readout
        let rows = Calibration.imageCount
        var signal = [Float](repeating: 0, count: rows * layout.voxels.count)
        calibration.features.withUnsafeBufferPointer { f in
            signal.withUnsafeMutableBufferPointer { s in readout.apply(features: f, rows: rows, into: s) }
        }
        ResponseModel.applyNonlinearity(&signal, rows: rows, voxels: layout.voxels)
        let variance = ResponseModel.columnVariance(signal, rows: rows, columns: layout.voxels.count)
        layout.voxels.noiseSD = ResponseModel.noiseSD(signalVariance: variance, voxels: layout.voxels, snrScale: 1,
                                                      level: Float(config.noiseLevel))
        noise = NoiseModel(voxels: layout.voxels, sd: layout.voxels.noiseSD, rng: &rng)
        signalSD = variance.map { $0.squareRoot() }
        voxels = layout.voxels
        roiNames = CorticalLayout.poolROIs.map(\.name)
        roiVoxelCounts = counts
        samplesPerSubject = config.poolSamplesPerSubject
        framesPerSample = config.poolFramesPerSample
        spontaneousLevel = Float(config.spontaneousLevel)
        let subjects = config.poolSubjectCount
        let digits = max(4, String(subjects).count)
        subjectNames = (0..<subjects).map { i in
            let number = String(i + 1)
            return SimulatedPool.subjectPrefix + String(repeating: "0", count: digits - number.count) + number
        }
    }

    private func checkSubject(_ subject: Int, operation: String) throws {
        guard subjectNames.indices.contains(subject) else {
            throw TensorError("pool.\(operation): subject index \(subject) is out of range 0..<\(subjectNames.count)")
        }
    }

    /// The subject's samples: samplesPerSubject × voxelCount, row-major, columns V1..V4.
    public func samples(subject: Int) throws -> [Float] {
        try checkSubject(subject, operation: "samples")
        return generateSamples(subject: subject)
    }

    private func generateSamples(subject: Int) -> [Float] {
        let key = UInt64(subject)
        let v = voxelCount
        let n = samplesPerSubject
        var traits = Xoshiro256StarStar(seed: seed, stream: SeedTag.poolSubject, key)
        let gainField = SmoothFields.evaluate(voxels, count: 1, wavelength: 60, rng: &traits)
        let gainMap = gainField.map { exp(0.25 * $0) }
        let snrFactor = exp(0.3 * traits.nextNormal())
        var spontaneous = SmoothFields.unitLoadings(voxels, count: SimulatedPool.spontaneousFactors, rng: &traits)
        for j in 0..<v {
            let amplitude = spontaneousLevel * signalSD[j] * gainMap[j]
            for k in 0..<SimulatedPool.spontaneousFactors { spontaneous[j * SimulatedPool.spontaneousFactors + k] *= amplitude }
        }

        let features = NaturalImages.features(count: n, seed: seed, stream: [SeedTag.poolImage, key])
        var signal = [Float](repeating: 0, count: n * v)
        features.withUnsafeBufferPointer { f in
            signal.withUnsafeMutableBufferPointer { s in readout.apply(features: f, rows: n, into: s) }
        }
        ResponseModel.applyNonlinearity(&signal, rows: n, voxels: voxels, gainMap: gainMap)
        let subjectNoise = noise.scaled(by: 1 / snrFactor.squareRoot())
        var samples = subjectNoise.trials(signal: signal, sourceRows: Array(0..<n), voxelCount: v, seed: seed,
                                          stream: [SeedTag.poolNoise, key])

        // Slowly drifting spontaneous factors: a stationary AR(1) process across the subject's samples.
        let k = SimulatedPool.spontaneousFactors
        let a = SimulatedPool.spontaneousPersistence
        var latent = [Float](repeating: 0, count: n * k)
        for i in 0..<n {
            for f in 0..<k {
                let innovation = traits.nextNormal()
                latent[i * k + f] = i == 0 ? innovation : a * latent[(i - 1) * k + f] + (1 - a * a).squareRoot() * innovation
            }
        }
        latent.withUnsafeBufferPointer { z in
            spontaneous.withUnsafeBufferPointer { l in
                samples.withUnsafeMutableBufferPointer { o in
                    BLAS.sgemm(transposeB: true, m: n, n: v, k: k, a: z.baseAddress!, lda: k, b: l.baseAddress!, ldb: k,
                               beta: 1, c: o.baseAddress!, ldc: v)
                }
            }
        }
        return samples
    }

    /// The subject's frame matrices per ROI: (samplesPerSubject · framesPerSample) frames; frame
    /// j·framesPerSample + f is sample j plus frame noise that sums to zero over the window, so averaging
    /// each window of framesPerSample consecutive frames gives the samples back (up to float rounding).
    public func frames(subject: Int) throws -> PoolFrames {
        let samples = try samples(subject: subject)
        let v = voxelCount
        let window = framesPerSample
        let frameCount = samplesPerSubject * window
        let key = UInt64(subject)
        var rois: [(String, [Float])] = []
        var first = 0
        // Columns are grouped by ROI (V1, V2, V3, V4): each ROI is a contiguous column range, filled
        // window by window with noise from the stream (seed, frames, subject, window, ROI).
        for (r, count) in roiVoxelCounts.enumerated() {
            var matrix = [Float](repeating: 0, count: frameCount * count)
            let start = first
            let sd = noise.sd[start..<(start + count)].map { $0 * SimulatedPool.frameNoise }
            matrix.withUnsafeMutableBufferPointer { out in
                let base = out.baseAddress!
                samples.withUnsafeBufferPointer { s in
                    sd.withUnsafeBufferPointer { sd in
                        Parallel.forEachChunk(samplesPerSubject) { range, _ in
                            let noise = UnsafeMutablePointer<Float>.allocate(capacity: window * count)
                            let mean = UnsafeMutablePointer<Float>.allocate(capacity: count)
                            defer {
                                noise.deallocate()
                                mean.deallocate()
                            }
                            for j in range {
                                var rng = Xoshiro256StarStar(seed: seed, stream: SeedTag.poolFrames, key, UInt64(j), UInt64(r))
                                rng.fillNormal(UnsafeMutableBufferPointer(start: noise, count: window * count))
                                mean.initialize(repeating: 0, count: count)
                                for f in 0..<window {
                                    let row = noise + f * count
                                    for c in 0..<count { mean[c] += row[c] }
                                }
                                let inverse = 1 / Float(window)
                                for c in 0..<count { mean[c] *= inverse }
                                let sample = s.baseAddress! + j * v + start
                                for f in 0..<window {
                                    let row = noise + f * count
                                    let dst = base + (j * window + f) * count
                                    for c in 0..<count { dst[c] = sample[c] + sd[c] * (row[c] - mean[c]) }
                                }
                            }
                        }
                    }
                }
            }
            rois.append((roiNames[r], matrix))
            first += count
        }
        return PoolFrames(subject: subjectNames[subject], frameCount: frameCount, rois: rois)
    }

    /// The natural-like image (64×64 RGB) that drove sample `sample` of pool subject `subject`.
    public func drivingImage(subject: Int, sample: Int) throws -> Image {
        try checkSubject(subject, operation: "drivingImage")
        guard (0..<samplesPerSubject).contains(sample) else {
            throw TensorError("pool.drivingImage: sample index \(sample) is out of range 0..<\(samplesPerSubject)")
        }
        var rng = Xoshiro256StarStar(seed: Xoshiro256StarStar.derive(seed, [SeedTag.poolImage, UInt64(subject), UInt64(sample)]))
        let size = FeatureBank.workingSize
        return try Image(floatHWC: NaturalImages.render(size: size, rng: &rng), width: size, height: size, channels: 3)
    }

    /// All samples of all subjects, subject after subject: sampleCount × voxelCount.
    public func allSamples() throws -> [Float] {
        var all: [Float] = []
        all.reserveCapacity(sampleCount * voxelCount)
        for s in subjectNames.indices { all += try samples(subject: s) }
        return all
    }
}
