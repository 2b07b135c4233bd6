import MindTensor

/// Hyper-parameters of SC-MBM training with the reference's names: stage A1 pretraining
/// (`Config_MBM_fMRI`, REFERENCE.md §2.1) and stage A2 finetuning (`Config_MBM_finetune`, §3).
public struct MBMTrainingConfig: Equatable {
    public enum Stage: String { case pretrain, finetune }

    public var stage: Stage
    public var lr: Double
    public var minLR: Double
    public var weightDecay: Double
    public var numEpoch: Int
    public var warmupEpochs: Int
    public var batchSize: Int
    public var clipGrad: Double
    public var maskRatio: Double
    public var seed: Int
    /// Save a checkpoint (and the reconstruction figure) every this many epochs, and at the end.
    public var checkpointEvery: Int

    /// The reference defaults of each stage.
    public static func defaults(_ stage: Stage) -> MBMTrainingConfig {
        switch stage {
        case .pretrain:
            return MBMTrainingConfig(stage: stage, lr: 2.5e-4, minLR: 0, weightDecay: 0.05, numEpoch: 500, warmupEpochs: 40,
                                     batchSize: 100, clipGrad: 0.8, maskRatio: 0.75, seed: 2022, checkpointEvery: 20)
        case .finetune:
            return MBMTrainingConfig(stage: stage, lr: 5.3e-5, minLR: 0, weightDecay: 0.05, numEpoch: 15, warmupEpochs: 2,
                                     batchSize: 16, clipGrad: 0.8, maskRatio: 0.75, seed: 2022, checkpointEvery: 2)
        }
    }

    /// Stage defaults overridden by `values` (unknown keys are errors). Keys not listed here that a
    /// caller handles itself (e.g. `output`, `resume`) are passed in `extraKeys` and ignored.
    public init(stage: Stage, _ values: [String: ConfigValue], extraKeys: [String] = []) throws {
        var r = ConfigReader(values.filter { !extraKeys.contains($0.key) }, context: stage == .pretrain ? "pretrain" : "finetune")
        try self.init(stage: stage, reading: &r)
        try r.finish()
    }

    /// The setting names this config reads, for option tables that mix them with other keys.
    public static let keyNames: [String] = {
        var r = ConfigReader([:], context: "")
        _ = try? MBMTrainingConfig(stage: .pretrain, reading: &r)
        return r.known
    }()

    private init(stage: Stage, reading r: inout ConfigReader) throws {
        self = MBMTrainingConfig.defaults(stage)
        lr = try r.double("lr", lr, range: 0...1)
        minLR = try r.double("min_lr", minLR, range: 0...1)
        weightDecay = try r.double("weight_decay", weightDecay, range: 0...10)
        numEpoch = try r.int("num_epoch", numEpoch, range: 1...1_000_000)
        warmupEpochs = try r.int("warmup_epochs", warmupEpochs, range: 0...1_000_000)
        batchSize = try r.int("batch_size", batchSize, range: 1...1_000_000)
        clipGrad = try r.double("clip_grad", clipGrad, range: 0...1e6)
        maskRatio = try r.double("mask_ratio", maskRatio, range: 0...0.999)
        guard maskRatio > 0 else {
            // The loss is over masked patches only: with none masked it is empty, and training would change nothing.
            throw TensorError("mask_ratio 0 masks no patch, so the loss (over masked patches) is empty and nothing trains; use a ratio in (0, 1) (the reference: 0.75)")
        }
        seed = try r.int("seed", seed, range: 0...Int(Int32.max))
        checkpointEvery = try r.int("checkpoint_every", checkpointEvery, range: 1...1_000_000)
    }

    init(stage: Stage, lr: Double, minLR: Double, weightDecay: Double, numEpoch: Int, warmupEpochs: Int, batchSize: Int,
         clipGrad: Double, maskRatio: Double, seed: Int, checkpointEvery: Int) {
        (self.stage, self.lr, self.minLR, self.weightDecay, self.numEpoch, self.warmupEpochs) = (stage, lr, minLR, weightDecay, numEpoch, warmupEpochs)
        (self.batchSize, self.clipGrad, self.maskRatio, self.seed, self.checkpointEvery) = (batchSize, clipGrad, maskRatio, seed, checkpointEvery)
    }

    public var values: [(String, ConfigValue)] {
        [("stage", .string(stage.rawValue)), ("lr", .double(lr)), ("min_lr", .double(minLR)), ("weight_decay", .double(weightDecay)),
         ("num_epoch", .int(numEpoch)), ("warmup_epochs", .int(warmupEpochs)), ("batch_size", .int(batchSize)),
         ("clip_grad", .double(clipGrad)), ("mask_ratio", .double(maskRatio)), ("seed", .int(seed)),
         ("checkpoint_every", .int(checkpointEvery))]
    }
}
