import Foundation
import MindTensor

/// Aligning stage B's fMRI conditioner with the class-conditional model it starts from, before the diffusion loss:
/// the conditioner's context of each training trial is regressed (mean squared error, every context token) onto the
/// class embedder's context of the trial's category, so the frozen UNet sees, from the first stage-B step, contexts of
/// the kind it learnt to draw from. Not in the reference, whose conditioner learns only through the diffusion loss:
/// on our data that loss left it at chance (README "Results"). It can only carry over to unseen categories when the
/// class embedding has structure they share (`ClassAttributes`); a table of independent rows makes the regression
/// collapse to their mean. A seeded part of the trials is held out to show how well it generalises.
public enum ConditionerAlignment {
    public struct Config: Equatable {
        public var numEpoch = 10
        public var lr = 1e-3
        public var weightDecay = 0.01
        public var batchSize = 32
        public var valFraction = 0.05
        public var seed = 2022
        /// Whether the stage-A encoder trains too; by default only the mappers learn, on the encoder's tokens
        /// computed once (an epoch then costs a fraction of a second instead of the encoder's backward pass).
        public var trainEncoder = false

        public init(_ values: [String: ConfigValue]) throws {
            var r = ConfigReader(values, context: "mv.ldm.align")
            numEpoch = try r.int("num_epoch", numEpoch, range: 1...100_000)
            lr = try r.double("lr", lr, range: 0...1)
            weightDecay = try r.double("weight_decay", weightDecay, range: 0...10)
            batchSize = try r.int("batch_size", batchSize, range: 1...1_000_000)
            valFraction = try r.double("val_fraction", valFraction, range: 0...0.5)
            seed = try r.int("seed", seed, range: 0...Int(Int32.max))
            trainEncoder = try r.bool("train_encoder", trainEncoder)
            try r.finish()
        }

        public static let keyNames = ["num_epoch", "lr", "weight_decay", "batch_size", "val_fraction", "seed", "train_encoder"]
    }

    /// One epoch: the training loss and, with held-out trials, their loss and the fraction of the targets' variance
    /// (around their mean) the conditioner explains on them.
    public struct EpochReport: Equatable {
        public var epoch: Int
        public var loss: Double
        public var valLoss: Double?
        public var valExplained: Double?

        public var values: [(String, ConfigValue)] {
            [("epoch", .int(epoch)), ("loss", .double(loss))]
                + (valLoss.map { [("val_loss", .double($0))] } ?? []) + (valExplained.map { [("val_explained", .double($0))] } ?? [])
        }
    }

    /// Trains the conditioner's mappers (`train_encoder`: everything stage B trains of it; AdamW) so that its context of `fmri` [N, V] matches `targets`
    /// [N, 1, D] (the class embedder's context per trial), then leaves them trainable for stage B.
    public static func run(conditioner: FMRIConditioner, fmri: Tensor, targets: Tensor, config: Config,
                           onEpoch: ((EpochReport) throws -> Void)? = nil) throws -> [EpochReport] {
        let n = try conditioner.conditionCount(fmri)
        guard targets.rank == 3, targets.shape[0] == n, targets.shape[1] == 1, targets.shape[2] == conditioner.contextDim else {
            throw TensorError("mv.ldm.align: targets must be [\(n), 1, \(conditioner.contextDim)] (one class context per trial), got \(Shape.describe(targets.shape))")
        }
        let generator = Generator(seed: UInt64(config.seed))
        let order = generator.permutation(n)
        let held = n >= 20 ? Int((Double(n) * config.valFraction).rounded()) : 0
        let validation = Array(order[..<held]), training = Array(order[held...])
        let params = config.trainEncoder ? conditioner.finetunedParameters : conditioner.mapperParameters
        for p in params { try p.requiresGrad(true) }
        // The context of some trials: through the whole conditioner, or the mappers on the cached tokens.
        let tokens = config.trainEncoder ? nil : try encoderTokens(conditioner, fmri: fmri, batchSize: config.batchSize)
        let context = { (index: Tensor) in
            if let tokens { return try conditioner.mapping(tokens: tokens.indexSelect(0, index: index)) }
            return try conditioner(fmri.indexSelect(0, index: index))
        }
        let optimizer = try Adam(groups: [ParamGroup(params: params, lr: Float(config.lr), weightDecay: Float(config.weightDecay))],
                                 betas: (0.9, 0.999), eps: 1e-8, decoupledWeightDecay: true)
        let rows = { (r: [Int]) in try Tensor(r.map(Float.init)) }
        var reports: [EpochReport] = []
        for epoch in 1...config.numEpoch {
            conditioner.train()
            var sum = 0.0
            let shuffled = generator.permutation(training.count).map { training[$0] }
            for start in stride(from: 0, to: shuffled.count, by: config.batchSize) {
                let batch = try rows(Array(shuffled[start..<Swift.min(shuffled.count, start + config.batchSize)]))
                optimizer.zeroGrad()
                let loss = try (context(batch) - targets.indexSelect(0, index: batch)).pow(2).mean()
                try loss.backward()
                try optimizer.step()
                sum += Double(try loss.item()) * Double(batch.shape[0])
            }
            var report = EpochReport(epoch: epoch, loss: sum / Double(Swift.max(training.count, 1)))
            if !validation.isEmpty {
                conditioner.eval()
                let index = try rows(validation)
                let (mse, variance) = try withNoGrad {
                    let truth = try targets.indexSelect(0, index: index)
                    let mse = try (context(index) - truth).pow(2).mean().item()
                    let variance = try (truth - truth.mean(0, keepDim: true)).pow(2).mean().item()
                    return (Double(mse), Double(variance))
                }
                report.valLoss = mse
                report.valExplained = variance > 0 ? 1 - mse / variance : nil
            }
            reports.append(report)
            try onEpoch?(report)
        }
        return reports
    }

    /// The encoder's tokens of every row [N, L, D], in eval mode without gradients, `batchSize` rows at a time.
    static func encoderTokens(_ conditioner: FMRIConditioner, fmri: Tensor, batchSize: Int) throws -> Tensor {
        let n = fmri.shape[0], v = conditioner.config.encoder.numVoxels
        let wasTraining = conditioner.isTraining
        conditioner.eval()
        defer { conditioner.train(wasTraining) }
        return try withNoGrad {
            try Tensor.cat(stride(from: 0, to: n, by: batchSize).map { start in
                let rows = Swift.min(batchSize, n - start)
                return try conditioner.mae(fmri.narrow(0, start: start, length: rows).reshape([rows, 1, v]))
            }, dim: 0)
        }
    }
}
