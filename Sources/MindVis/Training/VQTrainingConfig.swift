import MindTensor

/// Hyper-parameters of first-stage training. The optimiser defaults are the reference's (taming's VQModel:
/// Adam with betas (0.5, 0.9), no weight decay, constant rate); the loss is L1 (+ `l2_weight` · MSE) plus
/// `codebook_weight` · the quantiser loss, without the perceptual and adversarial terms.
public struct VQTrainingConfig: Equatable {
    public var lr: Double
    public var betas: [Double]
    public var weightDecay: Double
    /// "adam" (L2 penalty in the gradient, the reference's) or "adamw" (decoupled decay).
    public var optimizer: String
    public var numEpoch: Int
    public var batchSize: Int
    public var l2Weight: Double
    public var codebookWeight: Double
    /// Decay of an exponential moving average of the weights used for evaluation and saved with checkpoints;
    /// 0 turns it off.
    public var emaDecay: Double
    /// Re-seed codebook entries that no latent chose during an epoch with random encoder outputs of its last batch.
    public var restartDeadCodes: Bool
    public var seed: Int
    /// Save a checkpoint, evaluate and draw the reconstruction grid every this many epochs, and at the end.
    public var checkpointEvery: Int
    /// Held-out images shown in the reconstruction grid.
    public var gridImages: Int

    public static let defaults = VQTrainingConfig(lr: 2e-4, betas: [0.5, 0.9], weightDecay: 0, optimizer: "adam", numEpoch: 20,
                                                  batchSize: 8, l2Weight: 0, codebookWeight: 1, emaDecay: 0, restartDeadCodes: true,
                                                  seed: 2022, checkpointEvery: 1, gridImages: 8)

    /// Defaults overridden by `values`; unknown keys are errors naming the closest valid key.
    public init(_ values: [String: ConfigValue]) throws {
        var r = ConfigReader(values, context: "vq.train")
        try self.init(reading: &r)
        try r.finish()
    }

    /// The setting names this config reads, for option tables that mix them with other keys.
    public static let keyNames: [String] = {
        var r = ConfigReader([:], context: "")
        _ = try? VQTrainingConfig(reading: &r)
        return r.known
    }()

    private init(reading r: inout ConfigReader) throws {
        self = VQTrainingConfig.defaults
        lr = try r.double("lr", lr, range: 0...1)
        betas = try r.doubleList("betas", betas)
        guard betas.count == 2, betas.allSatisfy({ (0..<1).contains($0) }) else {
            throw TensorError("vq.train: 'betas' must be two numbers in [0, 1), got \(betas)")
        }
        weightDecay = try r.double("weight_decay", weightDecay, range: 0...10)
        optimizer = try r.string("optimizer", optimizer, allowed: ["adam", "adamw"])
        numEpoch = try r.int("num_epoch", numEpoch, range: 1...1_000_000)
        batchSize = try r.int("batch_size", batchSize, range: 1...1_000_000)
        l2Weight = try r.double("l2_weight", l2Weight, range: 0...1e6)
        codebookWeight = try r.double("codebook_weight", codebookWeight, range: 0...1e6)
        emaDecay = try r.double("ema_decay", emaDecay, range: 0...0.999999)
        restartDeadCodes = try r.bool("restart_dead_codes", restartDeadCodes)
        seed = try r.int("seed", seed, range: 0...Int(Int32.max))
        checkpointEvery = try r.int("checkpoint_every", checkpointEvery, range: 1...1_000_000)
        gridImages = try r.int("grid_images", gridImages, range: 0...256)
    }

    init(lr: Double, betas: [Double], weightDecay: Double, optimizer: String, numEpoch: Int, batchSize: Int, l2Weight: Double,
         codebookWeight: Double, emaDecay: Double, restartDeadCodes: Bool, seed: Int, checkpointEvery: Int, gridImages: Int) {
        (self.lr, self.betas, self.weightDecay, self.optimizer, self.numEpoch, self.batchSize) = (lr, betas, weightDecay, optimizer, numEpoch, batchSize)
        (self.l2Weight, self.codebookWeight, self.emaDecay, self.restartDeadCodes) = (l2Weight, codebookWeight, emaDecay, restartDeadCodes)
        (self.seed, self.checkpointEvery, self.gridImages) = (seed, checkpointEvery, gridImages)
    }

    public var values: [(String, ConfigValue)] {
        [("lr", .double(lr)), ("betas", .list(betas.map { .double($0) })), ("weight_decay", .double(weightDecay)),
         ("optimizer", .string(optimizer)), ("num_epoch", .int(numEpoch)), ("batch_size", .int(batchSize)),
         ("l2_weight", .double(l2Weight)), ("codebook_weight", .double(codebookWeight)), ("ema_decay", .double(emaDecay)),
         ("restart_dead_codes", .bool(restartDeadCodes)), ("seed", .int(seed)), ("checkpoint_every", .int(checkpointEvery)),
         ("grid_images", .int(gridImages))]
    }
}
