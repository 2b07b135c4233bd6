import Foundation
import MindImage
import MindTensor

/// What one epoch of judge training achieved.
public struct JudgeEpochReport: Equatable, Sendable {
    public var epoch: Int
    /// Mean cross-entropy and top-1 accuracy on the epoch's augmented training images.
    public var loss: Double, accuracy: Double
    public var lr: Double
    public var seconds: Double
    public var imagesPerSecond: Double

    public var values: [(String, ConfigValue)] {
        [("epoch", .int(epoch)), ("loss", .double(loss)), ("accuracy", .double(accuracy)), ("lr", .double(lr)),
         ("seconds", .double(seconds)), ("images_per_second", .double(imagesPerSecond))]
    }
}

/// Trains the CNN judge of the simulated data.
///
/// Which classes: every category of the dataset, training and test. The reference's judge is an ImageNet
/// classifier that knows GOD's test categories (they are ImageNet classes), even though the fMRI decoder never
/// trains on them; our test categories are likewise disjoint from the training categories, so a judge trained
/// on the training images alone could not name them. Instead the simulator renders new exemplars of all
/// categories — each epoch a fresh set, from random streams of their own — so the judge learns every class
/// without ever seeing the dataset's images, test images included. Held-out renderings (another stream) measure
/// its accuracy, clean and through a VQ model.
public final class JudgeTrainer {
    public let judge: JudgeCNN
    public let config: JudgeTrainingConfig
    public let optimizer: Adam
    public let schedule: CosineWarmupSchedule
    let categories: [CategoryFactors]
    let generator: Generator
    /// Completed epochs.
    public private(set) var epoch = 0
    /// Polled between iterations; returning true stops training with an "interrupted" error.
    public var shouldStop: () -> Bool = { false }
    /// Called after every epoch; an error stops training.
    public var onEpoch: ((JudgeEpochReport) throws -> Void)?
    /// Called after every iteration with (iteration within epoch, iterations per epoch, loss).
    public var onIteration: ((Int, Int, Double) -> Void)?

    /// A judge of `model`'s architecture (its class count and image size are set from the dataset) for the
    /// categories of `dataset`, named by their descriptions.
    public init(dataset: SimulatedDataset, model: JudgeConfig, config: JudgeTrainingConfig) throws {
        var architecture = model
        architecture.classes = dataset.categoryFactors.count
        architecture.imageSize = dataset.imageSize
        // The categories are combinations of four factors: scored factor by factor, every image teaches every
        // factor (each shape is seen in all colours, textures and backgrounds instead of one category's images).
        architecture.factorLevels = [ShapeKind.allCases.count, ColourKind.allCases.count, TextureKind.allCases.count, BackgroundKind.allCases.count]
        architecture.classFactors = dataset.categoryFactors.map { [$0.shape.rawValue, $0.colour.rawValue, $0.texture.rawValue, $0.background.rawValue] }
        categories = dataset.categoryFactors
        self.config = config
        generator = Generator(seed: UInt64(config.seed))
        judge = try JudgeCNN(architecture, classNames: dataset.categoryDescriptions, generator: generator)
        optimizer = try Adam(groups: weightDecayGroups(judge.namedParameters(), lr: Float(config.lr), weightDecay: Float(config.weightDecay)),
                             decoupledWeightDecay: true)
        schedule = try CosineWarmupSchedule(baseLR: config.lr, minLR: config.minLR, warmupEpochs: Double(config.warmupEpochs),
                                            totalEpochs: Double(config.numEpoch))
    }

    public var imagesPerEpoch: Int { categories.count * config.exemplarsPerClass }
    public var iterationsPerEpoch: Int { (imagesPerEpoch + config.batchSize - 1) / config.batchSize }

    /// Trains until `config.numEpoch` epochs are complete.
    @discardableResult
    public func run() throws -> [JudgeEpochReport] {
        judge.train()
        defer { judge.eval() }
        return try trainEpochs(until: config.numEpoch, completed: { epoch }, trainEpoch, onEpoch: onEpoch)
    }

    func trainEpoch() throws -> JudgeEpochReport {
        let start = Date()
        let size = judge.config.imageSize, perClass = config.exemplarsPerClass
        // Split 0 is the held-out set; epoch e trains on split e + 1.
        let images = try StimulusExemplars.render(categories, perCategory: perClass, size: size, seed: UInt64(config.seed), split: UInt64(epoch + 1))
        let order = generator.permutation(imagesPerEpoch)
        var sums = (loss: 0.0, correct: 0, lr: 0.0)
        for it in 0..<iterationsPerEpoch {
            if shouldStop() { throw TensorError("interrupted") }
            let ids = Array(order[(it * config.batchSize)..<Swift.min(imagesPerEpoch, (it + 1) * config.batchSize)])
            let batch = try augmentedBatch(images, ids: ids, size: size)
            let labels = ids.map { $0 / perClass }
            sums.lr = schedule.apply(to: optimizer, epoch: epoch, iteration: it, iterationsPerEpoch: iterationsPerEpoch)
            let logits = try judge(batch)
            let loss = try logits.crossEntropy(Tensor(labels.map(Float.init)))
            let value = Double(try loss.item())
            guard value.isFinite else { throw TensorError("judge training: loss is \(value) at epoch \(epoch + 1), iteration \(it + 1); stopping") }
            optimizer.zeroGrad()
            try loss.backward()
            try optimizer.step()
            let predictions = try ClassProbabilities(logits.detach())
            sums.correct += labels.indices.filter { predictions.argmax($0) == labels[$0] }.count
            sums.loss += value * Double(ids.count)
            onIteration?(it, iterationsPerEpoch, value)
        }
        epoch += 1
        let seconds = Date().timeIntervalSince(start), n = Double(imagesPerEpoch)
        return JudgeEpochReport(epoch: epoch, loss: sums.loss / n, accuracy: Double(sums.correct) / n, lr: sums.lr, seconds: seconds,
                                imagesPerSecond: n / Swift.max(seconds, 1e-9))
    }

    /// Images `ids` of the rendered set (bytes, HWC) as an augmented [B, 3, size, size] batch in [0, 1]; each
    /// image draws from its own stream, so the batch does not depend on how the work is split.
    func augmentedBatch(_ images: [UInt8], ids: [Int], size: Int) throws -> Tensor {
        let plane = size * size, imageBytes = 3 * plane
        var out = [Float](repeating: 0, count: ids.count * imageBytes)
        var failure: Error?
        let lock = NSLock()
        out.withUnsafeMutableBufferPointer { buffer in
            let base = buffer.baseAddress!
            Parallel.forEachChunk(ids.count) { range, _ in
                for b in range {
                    var rng = Xoshiro256StarStar(seed: UInt64(config.seed), stream: SeedTag.judgeAugmentation, UInt64(epoch), UInt64(ids[b]))
                    var chw = [Float](repeating: 0, count: imageBytes)
                    for p in 0..<plane {
                        for c in 0..<3 { chw[c * plane + p] = Float(images[ids[b] * imageBytes + 3 * p + c]) / 255 }
                    }
                    do {
                        let augmented = try config.augmentation.apply(chw, size: size, rng: &rng)
                        for i in 0..<imageBytes { base[b * imageBytes + i] = augmented[i] }
                    } catch {
                        lock.lock(); failure = error; lock.unlock()
                    }
                }
            }
        }
        if let failure { throw failure }
        return try Tensor(out, shape: [ids.count, 3, size, size])
    }

    /// The judge's accuracy on `evalExemplarsPerClass` held-out renderings of every category, clean and, with
    /// `vq`, VQ-reconstructed.
    public func heldOutAccuracy(vq: VQModel? = nil, classification: NWayClassification = NWayClassification()) throws -> JudgeAccuracy {
        try JudgeTrainer.heldOutAccuracy(judge: judge, categories: categories, config: config, vq: vq, classification: classification)
    }

    /// The accuracy of any judge of `dataset`'s categories on the held-out renderings `config` names (e.g. a
    /// judge loaded from a finished run).
    public static func heldOutAccuracy(judge: JudgeCNN, dataset: SimulatedDataset, config: JudgeTrainingConfig, vq: VQModel? = nil) throws -> JudgeAccuracy {
        try heldOutAccuracy(judge: judge, categories: dataset.categoryFactors, config: config, vq: vq, classification: NWayClassification())
    }

    static func heldOutAccuracy(judge: JudgeCNN, categories: [CategoryFactors], config: JudgeTrainingConfig, vq: VQModel?,
                                classification: NWayClassification) throws -> JudgeAccuracy {
        let size = judge.config.imageSize, perClass = config.evalExemplarsPerClass
        let bytes = try StimulusExemplars.render(categories, perCategory: perClass, size: size, seed: UInt64(config.seed), split: 0)
        let images = try Tensor(bytes.map { Float($0) / 255 }, shape: [categories.count * perClass, size, size, 3]).permute([0, 3, 1, 2]).contiguous()
        var nWay = classification
        nWay.ways = Swift.min(nWay.ways, categories.count)
        return try JudgeAccuracy.measure(judge: judge, images: images, labels: (0..<images.shape[0]).map { $0 / perClass }, vq: vq,
                                         classification: nWay)
    }
}
