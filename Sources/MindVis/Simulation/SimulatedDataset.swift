import MindImage
import MindTensor

/// MindVis's built-in dataset: a simulated visual cortex in the shape of Kamitani's GOD data (stimuli,
/// several subjects' voxel responses with ROI masks) plus an unlabelled HCP-like pool for pre-training.
public struct SimulatedDataset: Sendable {
    public let config: SimulationConfig
    /// Side of the stored images.
    public let imageSize: Int
    /// trainImageCount × imageSize × imageSize × 3 bytes (RGB, HWC), category-major: image i is exemplar
    /// i % exemplarsPerCategory of training category i / exemplarsPerCategory.
    public let trainImages: [UInt8]
    /// testCategories × imageSize × imageSize × 3 bytes: one image per test category.
    public let testImages: [UInt8]
    /// Category of each training image (0..<trainCategories) and of each test image
    /// (trainCategories..<trainCategories + testCategories; never seen in training).
    public let trainCategory: [Int]
    public let testCategory: [Int]
    /// Per category index: its factors and a description such as "red striped circle on gray".
    public let categoryFactors: [CategoryFactors]
    public let categoryDescriptions: [String]
    public let subjects: [SimulatedSubject]
    public let pool: SimulatedPool

    public var trainImageCount: Int { trainCategory.count }
    public var testImageCount: Int { testCategory.count }

    public func trainImage(_ index: Int) throws -> Image {
        try image(trainImages, index: index, count: trainImageCount, what: "trainImage")
    }

    public func testImage(_ index: Int) throws -> Image {
        try image(testImages, index: index, count: testImageCount, what: "testImage")
    }

    private func image(_ bytes: [UInt8], index: Int, count: Int, what: String) throws -> Image {
        guard (0..<count).contains(index) else {
            throw TensorError("dataset.\(what): index \(index) is out of range 0..<\(count)")
        }
        let n = imageSize * imageSize * 3
        return try Image(width: imageSize, height: imageSize, channels: 3, pixels: Array(bytes[(index * n)..<((index + 1) * n)]))
    }

    init(config: SimulationConfig, stimuli: StimulusSet, subjects: [SimulatedSubject], pool: SimulatedPool) {
        self.config = config
        imageSize = config.imageSize
        trainImages = stimuli.trainImages
        testImages = stimuli.testImages
        trainCategory = (0..<config.trainImageCount).map { $0 / config.exemplarsPerCategory }
        testCategory = (0..<config.testCategories).map { config.trainCategories + $0 }
        categoryFactors = stimuli.trainCategories + stimuli.testCategories
        categoryDescriptions = categoryFactors.map(\.description)
        self.subjects = subjects
        self.pool = pool
    }
}

/// Generates the dataset described by `config` (validated first). Deterministic: the same configuration
/// gives bit-identical arrays. Pool subjects are generated lazily by `SimulatedPool.samples`/`frames`.
public func simulate(_ config: SimulationConfig = SimulationConfig()) throws -> SimulatedDataset {
    try config.validate()
    return generate(config)
}

private func generate(_ config: SimulationConfig) -> SimulatedDataset {
    let semantics = SemanticSpace(seed: config.seed)
    let stimuli = StimulusSet(config: config, semantics: semantics)
    let calibration = Calibration(seed: config.seed)
    let subjects = (0..<config.subjects).map { index in
        SimulatedSubject(index: index, config: config, features: stimuli.features, channelScale: calibration.channelScale)
    }
    let pool = SimulatedPool(config: config, calibration: calibration)
    return SimulatedDataset(config: config, stimuli: stimuli, subjects: subjects, pool: pool)
}
