import Foundation
import MindTensor

/// One GOD-like subject, with the arrays of a Kamitani `sbj_N.npz` file (key in brackets).
public struct SimulatedSubject: Sendable {
    public let name: String
    public let voxelCount: Int
    /// Boolean masks over the voxel columns in GOD's key order: V1, V2, V3, V4, FFA, PPA, LOC, then the
    /// unions LVC (V1–V4), HVC (LOC ∪ FFA ∪ PPA) and VC (all).
    public let roiMasks: [(String, [Bool])]
    /// [arr_0] 1200 × V, one trial per training-image presentation, row-major.
    public let trainFMRI: [Float]
    /// [arr_3] training image shown in each row of `trainFMRI` (each image once, shuffled order).
    public let trainImageIndex: [Int]
    /// [arr_1] (testCategories · testRepeats) × V single trials.
    public let testFMRISingle: [Float]
    /// [arr_4] test image shown in each single trial (runs of one presentation per image, shuffled per run).
    public let testSingleLabels: [Int]
    /// [arr_2] testCategories × V: the single trials averaged per test image.
    public let testFMRIAverage: [Float]
    /// [arr_5] per voxel, estimated from the single test trials: the maximum correlation any noise-free
    /// model can reach with the repeat-averaged response, √(σ²_signal / (σ²_signal + σ²_noise / repeats)).
    public let noiseCeiling: [Float]
    /// [arr_6] per voxel, estimated from the single test trials: σ²_signal / σ²_noise of a single trial.
    public let snr: [Float]

    /// Ground truth (not in GOD's files): pRFs, exponents, gains, noise of every voxel.
    public let voxels: VoxelParameters
    /// Names of the base ROIs that `voxels.roi` indexes.
    public let baseROINames: [String]
    /// Noise-free responses: training images by image index (1200 × V) and test images (50 × V).
    public let trainSignal: [Float]
    public let testSignal: [Float]

    /// The mask with the given name (e.g. "VC"), if present.
    public func mask(_ name: String) -> [Bool]? {
        roiMasks.first { $0.0 == name }?.1
    }

    /// Names of the ROI masks, in `roiMasks` order.
    public static let roiNames = CorticalLayout.godROIs.map(\.name) + unions.map(\.0)

    static let unions: [(String, [String])] = [
        ("LVC", ["V1", "V2", "V3", "V4"]),
        ("HVC", ["LOC", "FFA", "PPA"]),
        ("VC", ["V1", "V2", "V3", "V4", "FFA", "PPA", "LOC"]),
    ]

    /// Simulates subject `index` viewing the stimulus set. `features` holds the stimulus feature bank
    /// (training images then test images, `FeatureBank.stimulusFeatureCount` per row).
    init(index: Int, config: SimulationConfig, features: [Float], channelScale: [Float]) {
        let seed = config.seed
        let subjectKey = UInt64(index)
        var layoutRNG = Xoshiro256StarStar(seed: seed, stream: SeedTag.subjectLayout, subjectKey)
        let total = config.voxelCount(subject: index)
        let counts = CorticalLayout.subjectCounts(total: total, rois: CorticalLayout.godROIs, rng: &layoutRNG)
        var layout = CorticalLayout(rois: CorticalLayout.godROIs, counts: counts, groupedByROI: false, rng: &layoutRNG)
        let subjectSNR = exp(0.2 * layoutRNG.nextNormal())

        let trainCount = config.trainImageCount
        let imageCount = trainCount + config.testCategories
        let readout = Readout(layout: layout, channelScale: channelScale, featureCount: FeatureBank.stimulusFeatureCount)
        var signal = [Float](repeating: 0, count: imageCount * total)
        features.withUnsafeBufferPointer { f in
            signal.withUnsafeMutableBufferPointer { s in readout.apply(features: f, rows: imageCount, into: s) }
        }
        ResponseModel.applyNonlinearity(&signal, rows: imageCount, voxels: layout.voxels)
        let variance = ResponseModel.columnVariance(signal, rows: trainCount, columns: total)
        layout.voxels.noiseSD = ResponseModel.noiseSD(signalVariance: variance, voxels: layout.voxels,
                                                      snrScale: subjectSNR, level: Float(config.noiseLevel))
        let noise = NoiseModel(voxels: layout.voxels, sd: layout.voxels.noiseSD, rng: &layoutRNG)

        var orderRNG = Xoshiro256StarStar(seed: seed, stream: SeedTag.trialOrder, subjectKey)
        let trainOrder = orderRNG.permutation(trainCount)
        var testLabels: [Int] = []
        for _ in 0..<config.testRepeats { testLabels += orderRNG.permutation(config.testCategories) }

        let train = noise.trials(signal: signal, sourceRows: trainOrder, voxelCount: total, seed: seed,
                                 stream: [SeedTag.trainNoise, subjectKey])
        let single = noise.trials(signal: signal, sourceRows: testLabels.map { trainCount + $0 }, voxelCount: total,
                                  seed: seed, stream: [SeedTag.testNoise, subjectKey])
        let reliability = RepeatStatistics(trials: single, labels: testLabels, items: config.testCategories,
                                           voxelCount: total)

        name = "sbj_\(index + 1)"
        voxelCount = total
        roiMasks = layout.masks(unions: SimulatedSubject.unions)
        trainFMRI = train
        trainImageIndex = trainOrder
        testFMRISingle = single
        testSingleLabels = testLabels
        testFMRIAverage = reliability.average
        noiseCeiling = reliability.noiseCeiling
        snr = reliability.snr
        voxels = layout.voxels
        baseROINames = layout.rois.map(\.name)
        trainSignal = Array(signal[0..<(trainCount * total)])
        testSignal = Array(signal[(trainCount * total)...])
    }
}

/// Per-image averages of repeated single trials and the per-voxel signal/noise estimates they allow.
struct RepeatStatistics {
    /// items × V means over each item's trials.
    let average: [Float]
    let snr: [Float]
    let noiseCeiling: [Float]

    /// `labels[r]` is the item (0..<items) of trial row r; every item needs at least two trials.
    init(trials: [Float], labels: [Int], items: Int, voxelCount: Int) {
        var sums = [Double](repeating: 0, count: items * voxelCount)
        var squares = [Double](repeating: 0, count: items * voxelCount)
        var counts = [Int](repeating: 0, count: items)
        for (r, item) in labels.enumerated() {
            counts[item] += 1
            for v in 0..<voxelCount {
                let x = Double(trials[r * voxelCount + v])
                sums[item * voxelCount + v] += x
                squares[item * voxelCount + v] += x * x
            }
        }
        var average = [Float](repeating: 0, count: items * voxelCount)
        var snr = [Float](repeating: 0, count: voxelCount)
        var ceiling = [Float](repeating: 0, count: voxelCount)
        let repeats = Double(labels.count) / Double(items)
        for v in 0..<voxelCount {
            var noiseVariance = 0.0
            var meanSum = 0.0
            var meanSquares = 0.0
            for item in 0..<items {
                let n = Double(counts[item])
                let mean = sums[item * voxelCount + v] / n
                average[item * voxelCount + v] = Float(mean)
                noiseVariance += max(squares[item * voxelCount + v] - n * mean * mean, 0) / (n - 1)
                meanSum += mean
                meanSquares += mean * mean
            }
            noiseVariance /= Double(items)
            let grand = meanSum / Double(items)
            let varianceOfMeans = items > 1 ? max(meanSquares - Double(items) * grand * grand, 0) / Double(items - 1) : 0
            let signalVariance = max(varianceOfMeans - noiseVariance / repeats, 0)
            if noiseVariance > 0 {
                snr[v] = Float(signalVariance / noiseVariance)
                ceiling[v] = Float((signalVariance / (signalVariance + noiseVariance / repeats)).squareRoot())
            } else {
                snr[v] = signalVariance > 0 ? .infinity : 0
                ceiling[v] = signalVariance > 0 ? 1 : 0
            }
        }
        self.average = average
        self.snr = snr
        noiseCeiling = ceiling
    }
}
