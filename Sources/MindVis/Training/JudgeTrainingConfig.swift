import MindTensor

/// Hyper-parameters of the CNN judge's training: AdamW with a warm-up and a cosine decay, fresh renderings of
/// every category each epoch, and the augmentation (`JudgeAugmentation`). The defaults train the `small` judge
/// on the built-in data's 200 categories in about two minutes on 2 cores (release build).
public struct JudgeTrainingConfig: Equatable, Sendable {
    public var lr: Double
    public var minLR: Double
    public var weightDecay: Double
    public var warmupEpochs: Int
    public var numEpoch: Int
    public var batchSize: Int
    /// New renderings of each category per epoch (never the same twice, never the dataset's images).
    public var exemplarsPerClass: Int
    /// Held-out renderings of each category for the accuracy report.
    public var evalExemplarsPerClass: Int
    public var augmentation: JudgeAugmentation
    public var seed: Int

    public static let defaults = JudgeTrainingConfig(lr: 1e-3, minLR: 0, weightDecay: 0.05, warmupEpochs: 1, numEpoch: 10, batchSize: 16,
                                                     exemplarsPerClass: 8, evalExemplarsPerClass: 5, augmentation: JudgeAugmentation(),
                                                     seed: 2022)

    /// Defaults overridden by `values`; unknown keys are errors naming the closest valid key.
    public init(_ values: [String: ConfigValue]) throws {
        var r = ConfigReader(values, context: "judge training")
        try self.init(reading: &r)
        try r.finish()
    }

    /// The setting names this config reads, for option tables that mix them with other keys.
    public static let keyNames: [String] = {
        var r = ConfigReader([:], context: "")
        _ = try? JudgeTrainingConfig(reading: &r)
        return r.known
    }()

    private init(reading r: inout ConfigReader) throws {
        self = JudgeTrainingConfig.defaults
        lr = try r.double("lr", lr, range: 0...1)
        minLR = try r.double("min_lr", minLR, range: 0...1)
        weightDecay = try r.double("weight_decay", weightDecay, range: 0...10)
        warmupEpochs = try r.int("warmup_epochs", warmupEpochs, range: 0...1_000_000)
        numEpoch = try r.int("num_epoch", numEpoch, range: 1...1_000_000)
        batchSize = try r.int("batch_size", batchSize, range: 1...100_000)
        exemplarsPerClass = try r.int("exemplars_per_class", exemplarsPerClass, range: 1...100_000)
        evalExemplarsPerClass = try r.int("eval_exemplars_per_class", evalExemplarsPerClass, range: 1...100_000)
        var a = augmentation
        a.cropScale = try r.double("crop_scale", a.cropScale, range: 0.1...1)
        a.flip = try r.bool("flip", a.flip)
        a.blurProbability = try r.double("blur", a.blurProbability, range: 0...1)
        a.jitter = try r.double("jitter", a.jitter, range: 0...1)
        a.noise = try r.double("noise", a.noise, range: 0...1)
        augmentation = a
        seed = try r.int("seed", seed, range: 0...Int(Int32.max))
    }

    init(lr: Double, minLR: Double, weightDecay: Double, warmupEpochs: Int, numEpoch: Int, batchSize: Int, exemplarsPerClass: Int,
         evalExemplarsPerClass: Int, augmentation: JudgeAugmentation, seed: Int) {
        (self.lr, self.minLR, self.weightDecay, self.warmupEpochs, self.numEpoch) = (lr, minLR, weightDecay, warmupEpochs, numEpoch)
        (self.batchSize, self.exemplarsPerClass, self.evalExemplarsPerClass) = (batchSize, exemplarsPerClass, evalExemplarsPerClass)
        (self.augmentation, self.seed) = (augmentation, seed)
    }

    public var values: [(String, ConfigValue)] {
        let a = augmentation
        return [("lr", .double(lr)), ("min_lr", .double(minLR)), ("weight_decay", .double(weightDecay)),
                ("warmup_epochs", .int(warmupEpochs)), ("num_epoch", .int(numEpoch)), ("batch_size", .int(batchSize)),
                ("exemplars_per_class", .int(exemplarsPerClass)), ("eval_exemplars_per_class", .int(evalExemplarsPerClass)),
                ("crop_scale", .double(a.cropScale)), ("flip", .bool(a.flip)), ("blur", .double(a.blurProbability)),
                ("jitter", .double(a.jitter)), ("noise", .double(a.noise)), ("seed", .int(seed))]
    }
}
