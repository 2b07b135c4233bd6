import MindTensor

/// Everything that shapes a simulated dataset. The defaults reproduce the sizes of Kamitani's Generic
/// Object Decoding (GOD) data and of the reference's HCP pre-training pool.
public struct SimulationConfig: Equatable, Sendable {
    /// Seed of every random draw; the same config gives bit-identical arrays.
    public var seed: UInt64 = 2022
    /// Side of the stored stimulus images (the cortex always sees a 64×64 rendering of the same scene).
    public var imageSize = 64
    /// GOD: 150 training categories × 8 exemplars = 1200 training images, shown once each.
    public var trainCategories = 150
    public var exemplarsPerCategory = 8
    /// GOD: 50 test categories (disjoint from training), one image each, each shown `testRepeats` times.
    public var testCategories = 50
    public var testRepeats = 35
    /// Number of GOD-like subjects (`sbj_1`, `sbj_2`, ...).
    public var subjects = 3
    /// Voxel count (all of VC) of subject i is `voxelCounts[i] * voxelScale`, rounded.
    public var voxelCounts = [4466, 4404, 4643, 4133, 4370]
    /// Scales every voxel count, of the GOD-like subjects and of the pool (tests use small values).
    public var voxelScale = 1.0
    /// Unlabelled pool (the HCP role): about `poolSize` samples in subjects of `poolSamplesPerSubject`
    /// samples (the last subject is completed, so the pool holds a whole number of subjects).
    public var poolSize = 20000
    public var poolSamplesPerSubject = 120
    /// Each pool sample is the mean of this many consecutive frames of the subject's frame matrix
    /// (the reference averages windows of 10 frames of 1200-frame HCP runs).
    public var poolFramesPerSample = 10
    /// Voxels of V1, V2, V3, V4 in the pool's common (atlas) space, before `voxelScale`
    /// (defaults from an HCP subject of the reference's data).
    public var poolROIVoxelCounts = [1618, 2220, 684, 661]
    /// Multiplies the trial-noise standard deviation of every voxel (0 gives noise-free responses).
    public var noiseLevel = 1.0
    /// Multiplies the spontaneous (resting-state) fluctuations of the pool.
    public var spontaneousLevel = 1.0

    public init() {}

    /// Names accepted by `preset(_:)`.
    public static let presetNames = ["default", "small"]

    /// A named starting point: `default` (the GOD and HCP sizes above) or `small` (80 training images of 20
    /// categories, 10 test images × 5 repeats, 2 subjects of about 220 voxels, a pool of 2 subjects of 120
    /// samples over about 260 voxels: seconds in a debug build, for tests and quick demos).
    public static func preset(_ name: String) throws -> SimulationConfig {
        var c = SimulationConfig()
        switch name {
        case "default":
            break
        case "small":
            c.trainCategories = 20
            c.exemplarsPerCategory = 4
            c.testCategories = 10
            c.testRepeats = 5
            c.subjects = 2
            c.voxelScale = 0.05
            c.poolSize = 240
        default:
            throw TensorError("simulate: preset must be one of \(presetNames.joined(separator: ", ")), got '\(name)'")
        }
        return c
    }

    public static let maxImageSize = 1024
    public static let maxVoxels = 1_000_000
    public static let maxPoolSize = 10_000_000

    public var trainImageCount: Int { trainCategories * exemplarsPerCategory }
    public var testTrialCount: Int { testCategories * testRepeats }
    public var poolSubjectCount: Int {
        poolSize == 0 ? 0 : (poolSize + poolSamplesPerSubject - 1) / poolSamplesPerSubject
    }

    /// Voxel count of GOD-like subject `index` (0-based).
    public func voxelCount(subject index: Int) -> Int {
        Int((Double(voxelCounts[index]) * voxelScale).rounded())
    }

    /// Pool voxel counts of V1..V4 after `voxelScale`.
    public var poolROICounts: [Int] {
        poolROIVoxelCounts.map { max(1, Int((Double($0) * voxelScale).rounded())) }
    }

    /// Rejects values that cannot produce a dataset, with a message naming the field, the accepted range
    /// and the value found.
    public func validate() throws {
        func fail(_ text: String) -> TensorError { TensorError("SimulationConfig: \(text)") }
        guard (16...SimulationConfig.maxImageSize).contains(imageSize) else {
            throw fail("imageSize must be in 16...\(SimulationConfig.maxImageSize), got \(imageSize)")
        }
        guard trainCategories >= 1 else { throw fail("trainCategories must be at least 1, got \(trainCategories)") }
        guard testCategories >= 1 else { throw fail("testCategories must be at least 1, got \(testCategories)") }
        let available = StimulusDesign.categoryCount
        guard trainCategories <= available, testCategories <= available - trainCategories else {
            throw fail("trainCategories + testCategories must be at most \(available) (shape × colour × texture × background combinations), got \(trainCategories) + \(testCategories)")
        }
        guard (1...1000).contains(exemplarsPerCategory) else {
            throw fail("exemplarsPerCategory must be in 1...1000, got \(exemplarsPerCategory)")
        }
        guard (2...1000).contains(testRepeats) else {
            throw fail("testRepeats must be in 2...1000 (noise ceiling and SNR need repeats), got \(testRepeats)")
        }
        guard subjects >= 1 else { throw fail("subjects must be at least 1, got \(subjects)") }
        guard subjects <= voxelCounts.count else {
            throw fail("voxelCounts has \(voxelCounts.count) entries but \(subjects) subjects need one each")
        }
        guard voxelScale.isFinite, voxelScale > 0 else { throw fail("voxelScale must be a positive number, got \(voxelScale)") }
        let minimumVoxels = 10 * CorticalLayout.godROIs.count
        for i in 0..<subjects {
            guard voxelCounts[i] > 0, voxelCounts[i] <= SimulationConfig.maxVoxels,
                  Double(voxelCounts[i]) * voxelScale <= Double(SimulationConfig.maxVoxels) else {
                throw fail("voxel count of subject \(i + 1) must be in 1...\(SimulationConfig.maxVoxels) after voxel_scale, got \(voxelCounts[i]) × \(voxelScale)")
            }
            let v = voxelCount(subject: i)
            guard v >= minimumVoxels else {
                throw fail("subject \(i + 1) gets \(v) voxels after voxelScale; at least \(minimumVoxels) (10 per ROI) are needed")
            }
        }
        guard (0...SimulationConfig.maxPoolSize).contains(poolSize) else {
            throw fail("poolSize must be in 0...\(SimulationConfig.maxPoolSize), got \(poolSize)")
        }
        guard (1...100_000).contains(poolSamplesPerSubject) else {
            throw fail("poolSamplesPerSubject must be in 1...100000, got \(poolSamplesPerSubject)")
        }
        guard (1...1000).contains(poolFramesPerSample) else {
            throw fail("poolFramesPerSample must be in 1...1000, got \(poolFramesPerSample)")
        }
        guard poolROIVoxelCounts.count == CorticalLayout.poolROIs.count else {
            throw fail("poolROIVoxelCounts needs \(CorticalLayout.poolROIs.count) entries (V1, V2, V3, V4), got \(poolROIVoxelCounts.count)")
        }
        for (roi, n) in zip(CorticalLayout.poolROIs, poolROIVoxelCounts) {
            guard n > 0, Double(n) * voxelScale <= Double(SimulationConfig.maxVoxels) else {
                throw fail("pool \(roi.name) voxel count must be in 1...\(SimulationConfig.maxVoxels) after voxel_scale, got \(n) × \(voxelScale)")
            }
        }
        guard noiseLevel.isFinite, (0...100).contains(noiseLevel) else {
            throw fail("noiseLevel must be in 0...100, got \(noiseLevel)")
        }
        guard spontaneousLevel.isFinite, (0...100).contains(spontaneousLevel) else {
            throw fail("spontaneousLevel must be in 0...100, got \(spontaneousLevel)")
        }
        // Sizes of the largest matrices: they must fit BLAS's 32-bit dimensions and memory.
        let maxVoxels = (0..<subjects).map(voxelCount(subject:)).max() ?? 0
        let poolVoxels = poolROICounts.reduce(0, +)
        let images = trainImageCount + testCategories
        let (pixels, o1) = images.multipliedReportingOverflow(by: imageSize * imageSize * 3)
        let (trials, o2) = testTrialCount.multipliedReportingOverflow(by: maxVoxels)
        let (frames, o3) = (poolSamplesPerSubject * poolFramesPerSample).multipliedReportingOverflow(by: poolVoxels)
        let limit = Int(Int32.max)
        guard !o1, !o2, !o3, pixels <= limit, trials <= limit, frames <= limit,
              trainImageCount * maxVoxels <= limit else {
            throw fail("the requested sizes exceed 2^31 elements in one array (images \(images) of \(imageSize)², test trials \(testTrialCount) × \(maxVoxels) voxels, pool frames \(poolSamplesPerSubject * poolFramesPerSample) × \(poolVoxels) voxels)")
        }
    }
}
