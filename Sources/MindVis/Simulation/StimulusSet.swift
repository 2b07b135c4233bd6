import MindImage
import MindTensor

/// The rendered stimuli of the labelled experiment and their feature bank.
struct StimulusSet {
    let trainCategories: [CategoryFactors]
    let testCategories: [CategoryFactors]
    /// trainImageCount × size × size × 3 and testCategories × size × size × 3 bytes.
    let trainImages: [UInt8]
    let testImages: [UInt8]
    /// (train + test images) × `FeatureBank.stimulusFeatureCount`: what the cortex sees of each image.
    let features: [Float]

    init(config: SimulationConfig, semantics: SemanticSpace) {
        let categories = StimulusDesign.chooseCategories(seed: config.seed, train: config.trainCategories,
                                                         test: config.testCategories)
        let trainCount = config.trainImageCount
        let total = trainCount + config.testCategories
        let size = config.imageSize
        let work = FeatureBank.workingSize
        let imageBytes = size * size * 3
        let featureCount = FeatureBank.stimulusFeatureCount
        // Image i < trainCount is exemplar i % k of training category i / k (category-major, like GOD's
        // image order); image trainCount + j is the single exemplar of test category j.
        let categoryOf: [CategoryFactors] = (0..<total).map { i in
            i < trainCount ? categories.train[i / config.exemplarsPerCategory] : categories.test[i - trainCount]
        }
        let embeddings = (categories.train + categories.test).map(semantics.embedding)
        let embeddingOf: (Int) -> [Float] = { i in
            i < trainCount ? embeddings[i / config.exemplarsPerCategory] : embeddings[categories.train.count + i - trainCount]
        }
        var bytes = [UInt8](repeating: 0, count: total * imageBytes)
        var features = [Float](repeating: 0, count: total * featureCount)
        bytes.withUnsafeMutableBufferPointer { b in
            features.withUnsafeMutableBufferPointer { f in
                let bytesBase = b.baseAddress!
                let featureBase = f.baseAddress!
                Parallel.forEachChunk(total) { range, _ in
                    var extractor = FeatureExtractor()
                    var mask = [Float](repeating: 0, count: work * work)
                    for i in range {
                        var rng = Xoshiro256StarStar(seed: config.seed, stream: SeedTag.exemplar, UInt64(i))
                        let scene = StimulusScene.random(category: categoryOf[i], rng: &rng)
                        for p in 0..<mask.count { mask[p] = 0 }
                        let working = mask.withUnsafeMutableBufferPointer { scene.render(size: work, mask: $0.baseAddress!) }
                        let row = featureBase + i * featureCount
                        working.withUnsafeBufferPointer { extractor.compute(rgb: $0, into: row) }
                        mask.withUnsafeBufferPointer {
                            FeatureExtractor.semanticFeatures(embedding: embeddingOf(i), mask: $0,
                                                              into: row + FeatureBank.semantic.offset)
                        }
                        let stored = size == work ? working : scene.render(size: size)
                        let image = bytesBase + i * imageBytes
                        for p in 0..<imageBytes { image[p] = Image.quantize(stored[p]) }
                    }
                }
            }
        }
        trainCategories = categories.train
        testCategories = categories.test
        trainImages = Array(bytes[0..<(trainCount * imageBytes)])
        testImages = Array(bytes[(trainCount * imageBytes)...])
        self.features = features
    }
}
