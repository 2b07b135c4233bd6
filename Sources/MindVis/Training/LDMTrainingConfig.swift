import MindTensor

/// Hyper-parameters of latent diffusion training, in two flavours with their own defaults:
/// - `finetune`: stage B (REFERENCE.md §4.1, `Config_Generative_Model`): AdamW lr 5.3e-5 (betas 0.9/0.999, weight
///   decay 0.01), gradient clip 0.5, batch 5, 500 epochs, no EMA, the crop augmentation (p 0.5, crop ratio 0.2),
///   validation every 5 epochs with PLMS at 250 steps (`ddim_steps`, the reference's name);
/// - `label2img`: a class-conditional LDM trained from scratch (the role of the reference's pretrained ImageNet LDM):
///   AdamW lr 2e-4, batch 16, conditioning dropout 0.1 to the null class for classifier-free guidance, EMA 0.999,
///   samples drawn with guidance 3.
/// Deviation for speed (documented): the first stage's latents are computed once — of each uncropped image and of
/// `crop_variants` seeded random crops (resized back) — and each step draws among them with the reference's
/// probability, instead of cropping and re-encoding every image at every step.
public struct LDMTrainingConfig: Equatable {
    public enum Kind: String, CaseIterable { case finetune, label2img }

    public var kind: Kind
    public var lr: Double
    public var betas: [Double]
    public var weightDecay: Double
    public var numEpoch: Int
    public var batchSize: Int
    /// Global gradient-norm clip (0: none); the reference's Lightning `gradient_clip_val`.
    public var clipGrad: Double
    public var seed: Int
    /// Probability of replacing a condition by the null condition (classifier-free guidance training).
    public var condDropout: Double
    /// Decay of an exponential moving average of the trained weights, used for validation and samples (0: none).
    public var emaDecay: Double
    /// Crop side = size − int(crop_ratio · size) (205 of 256), applied with probability `crop_probability`.
    public var cropRatio: Double
    public var cropProbability: Double
    /// Random crops whose latents are cached per image (0: no augmentation).
    public var cropVariants: Int
    /// Save a checkpoint every this many epochs, and at the end.
    public var checkpointEvery: Int
    /// Validate (samples, metrics, grid, best checkpoint) every this many epochs, and at the end (0: only at the end).
    public var valEvery: Int
    /// Items validated, samples per item, and the sampler (steps, `guidance`).
    public var valItems: Int
    public var valSamples: Int
    public var ddimSteps: Int
    public var sampler: String
    public var guidance: Double
    /// Fraction of the training images held out for validation (at least 2 images, so identification is defined).
    public var valFraction: Double
    /// Validate on the given test set instead, as the reference does (its model selection sees the test set).
    public var valOnTest: Bool

    public static func defaults(_ kind: Kind) -> LDMTrainingConfig {
        switch kind {
        case .finetune:
            return LDMTrainingConfig(kind: kind, lr: 5.3e-5, betas: [0.9, 0.999], weightDecay: 0.01, numEpoch: 500, batchSize: 5, clipGrad: 0.5,
                                     seed: 2022, condDropout: 0, emaDecay: 0, cropRatio: 0.2, cropProbability: 0.5, cropVariants: 4,
                                     checkpointEvery: 5, valEvery: 5, valItems: 5, valSamples: 3, ddimSteps: 250, sampler: "plms",
                                     guidance: 1, valFraction: 0.05, valOnTest: false)
        case .label2img:
            return LDMTrainingConfig(kind: kind, lr: 2e-4, betas: [0.9, 0.999], weightDecay: 0.01, numEpoch: 100, batchSize: 16, clipGrad: 1,
                                     seed: 2022, condDropout: 0.1, emaDecay: 0.999, cropRatio: 0.2, cropProbability: 0.5, cropVariants: 0,
                                     checkpointEvery: 5, valEvery: 5, valItems: 8, valSamples: 3, ddimSteps: 50, sampler: "plms",
                                     guidance: 3, valFraction: 0.05, valOnTest: false)
        }
    }

    /// The flavour's defaults overridden by `values`; unknown keys are errors naming the closest valid key.
    public init(_ kind: Kind, _ values: [String: ConfigValue]) throws {
        var r = ConfigReader(values, context: kind == .finetune ? "ldm.finetune" : "ldm.label2img")
        try self.init(kind, reading: &r)
        try r.finish()
    }

    /// The setting names this config reads, for option tables that mix them with other keys.
    public static let keyNames: [String] = {
        var r = ConfigReader([:], context: "")
        _ = try? LDMTrainingConfig(.finetune, reading: &r)
        return r.known
    }()

    private init(_ kind: Kind, reading r: inout ConfigReader) throws {
        self = LDMTrainingConfig.defaults(kind)
        lr = try r.double("lr", lr, range: 0...1)
        betas = try r.doubleList("betas", betas)
        guard betas.count == 2, betas.allSatisfy({ (0..<1).contains($0) }) else {
            throw TensorError("\(kind.rawValue): 'betas' must be two numbers in [0, 1), got \(betas)")
        }
        weightDecay = try r.double("weight_decay", weightDecay, range: 0...10)
        numEpoch = try r.int("num_epoch", numEpoch, range: 1...1_000_000)
        batchSize = try r.int("batch_size", batchSize, range: 1...1_000_000)
        clipGrad = try r.double("clip_grad", clipGrad, range: 0...1e6)
        seed = try r.int("seed", seed, range: 0...Int(Int32.max))
        condDropout = try r.double("cond_dropout", condDropout, range: 0...1)
        emaDecay = try r.double("ema_decay", emaDecay, range: 0...0.999999)
        cropRatio = try r.double("crop_ratio", cropRatio, range: 0...0.9)
        cropProbability = try r.double("crop_probability", cropProbability, range: 0...1)
        cropVariants = try r.int("crop_variants", cropVariants, range: 0...64)
        checkpointEvery = try r.int("checkpoint_every", checkpointEvery, range: 1...1_000_000)
        valEvery = try r.int("val_every", valEvery, range: 0...1_000_000)
        // Pair-wise identification compares each item with the others: one item has no score.
        valItems = try r.int("val_items", valItems, range: 2...100_000)
        valSamples = try r.int("val_samples", valSamples, range: 1...64)
        ddimSteps = try r.int("ddim_steps", ddimSteps, range: 1...1000)
        sampler = try r.string("sampler", sampler, allowed: SamplerOptions.Method.allCases.map(\.rawValue))
        guidance = try r.double("guidance", guidance, range: 0...100)
        valFraction = try r.double("val_fraction", valFraction, range: 0...0.5)
        valOnTest = try r.bool("val_on_test", valOnTest)
    }

    init(kind: Kind, lr: Double, betas: [Double], weightDecay: Double, numEpoch: Int, batchSize: Int, clipGrad: Double, seed: Int,
         condDropout: Double, emaDecay: Double, cropRatio: Double, cropProbability: Double, cropVariants: Int, checkpointEvery: Int,
         valEvery: Int, valItems: Int, valSamples: Int, ddimSteps: Int, sampler: String, guidance: Double, valFraction: Double, valOnTest: Bool) {
        (self.kind, self.lr, self.betas, self.weightDecay, self.numEpoch, self.batchSize) = (kind, lr, betas, weightDecay, numEpoch, batchSize)
        (self.clipGrad, self.seed, self.condDropout, self.emaDecay) = (clipGrad, seed, condDropout, emaDecay)
        (self.cropRatio, self.cropProbability, self.cropVariants, self.checkpointEvery) = (cropRatio, cropProbability, cropVariants, checkpointEvery)
        (self.valEvery, self.valItems, self.valSamples, self.ddimSteps, self.sampler) = (valEvery, valItems, valSamples, ddimSteps, sampler)
        (self.guidance, self.valFraction, self.valOnTest) = (guidance, valFraction, valOnTest)
    }

    /// The sampler of validation and sample grids.
    public var samplerOptions: SamplerOptions {
        SamplerOptions(method: SamplerOptions.Method(rawValue: sampler) ?? .plms, steps: ddimSteps, eta: 0, guidance: guidance)
    }

    public var values: [(String, ConfigValue)] {
        [("kind", .string(kind.rawValue)), ("lr", .double(lr)), ("betas", .list(betas.map { .double($0) })), ("weight_decay", .double(weightDecay)),
         ("num_epoch", .int(numEpoch)), ("batch_size", .int(batchSize)), ("clip_grad", .double(clipGrad)), ("seed", .int(seed)),
         ("cond_dropout", .double(condDropout)), ("ema_decay", .double(emaDecay)), ("crop_ratio", .double(cropRatio)),
         ("crop_probability", .double(cropProbability)), ("crop_variants", .int(cropVariants)), ("checkpoint_every", .int(checkpointEvery)),
         ("val_every", .int(valEvery)), ("val_items", .int(valItems)), ("val_samples", .int(valSamples)), ("ddim_steps", .int(ddimSteps)),
         ("sampler", .string(sampler)), ("guidance", .double(guidance)), ("val_fraction", .double(valFraction)), ("val_on_test", .bool(valOnTest))]
    }
}
