import Foundation
import MindTensor

/// What one epoch of SC-MBM training achieved.
public struct EpochReport: Equatable {
    public var epoch: Int
    public var loss: Double
    /// Mean per-sample Pearson r between the full reconstruction and the input (a diagnostic, as in the reference).
    public var correlation: Double
    public var learningRate: Double
    public var seconds: Double
    public var samplesPerSecond: Double

    public var values: [(String, ConfigValue)] {
        [("epoch", .int(epoch)), ("loss", .double(loss)), ("cor", .double(correlation)), ("lr", .double(learningRate)),
         ("seconds", .double(seconds)), ("samples_per_second", .double(samplesPerSecond))]
    }
}

/// Stage A training of the fMRI masked autoencoder, one clear step at a time (llm.c's shape):
/// per iteration set the scheduled rate, draw a batch, forward with random masking, backward,
/// clip the global gradient norm, AdamW. Shuffling and masking draw from one seeded generator whose
/// state is checkpointed, so a resumed run continues with exactly the numbers of an uninterrupted one.
public final class MBMTrainer {
    public let model: MaskedAutoencoder
    public let config: MBMTrainingConfig
    /// Training samples [N, V] with V = the model's num_voxels.
    public let data: Tensor
    public let optimizer: Adam
    public let schedule: CosineWarmupSchedule
    public let generator: Generator
    /// Completed epochs.
    public internal(set) var epoch = 0
    /// Polled between iterations; returning true stops training with an "interrupted" error.
    public var shouldStop: () -> Bool = { false }
    /// Called after every epoch (logging, checkpoints, user callbacks); an error stops training.
    public var onEpoch: ((EpochReport) throws -> Void)?
    /// Called after every iteration with (iteration within epoch, iterations per epoch, loss, mean voxel
    /// correlation of the batch's reconstructions).
    public var onIteration: ((Int, Int, Double, Double) -> Void)?

    public init(model: MaskedAutoencoder, data: Tensor, config: MBMTrainingConfig) throws {
        let v = model.config.numVoxels
        guard data.rank == 2, data.shape[1] == v else {
            throw TensorError("MBM training: data must be [samples, \(v)] to match the model's num_voxels, got \(Shape.describe(data.shape))")
        }
        guard data.shape[0] > 0 else { throw TensorError("MBM training: no samples") }
        self.model = model
        self.config = config
        self.data = try data.contiguous().detach()
        optimizer = try Adam(groups: weightDecayGroups(model.namedParameters(), lr: Float(config.lr), weightDecay: Float(config.weightDecay)),
                             betas: (0.9, 0.95), eps: 1e-8, decoupledWeightDecay: true)
        schedule = try CosineWarmupSchedule(baseLR: config.lr, minLR: config.minLR, warmupEpochs: Double(config.warmupEpochs),
                                            totalEpochs: Double(config.numEpoch))
        generator = Generator(seed: UInt64(config.seed))
    }

    public var iterationsPerEpoch: Int { (data.shape[0] + config.batchSize - 1) / config.batchSize }

    /// Trains until `config.numEpoch` epochs are complete (or `epochs` more, if given).
    @discardableResult
    public func run(epochs: Int? = nil) throws -> [EpochReport] {
        let last = Swift.min(config.numEpoch, epochs.map { epoch + $0 } ?? config.numEpoch)
        model.train()
        return try trainEpochs(until: last, completed: { epoch }, trainEpoch, onEpoch: onEpoch)
    }

    /// One pass over the data in a fresh random order.
    func trainEpoch() throws -> EpochReport {
        let start = Date()
        let n = data.shape[0], v = data.shape[1], perEpoch = iterationsPerEpoch
        let order = generator.permutation(n)
        var lossSum = 0.0, corSum = 0.0, seen = 0
        var lr = 0.0
        for it in 0..<perEpoch {
            if shouldStop() { throw TensorError("interrupted") }
            lr = schedule.apply(to: optimizer, epoch: epoch, iteration: it, iterationsPerEpoch: perEpoch)
            let ids = Array(order[(it * config.batchSize)..<Swift.min(n, (it + 1) * config.batchSize)])
            let x = try data.indexSelect(0, index: Tensor(ids.map(Float.init))).reshape([ids.count, 1, v])
            let (loss, pred, _) = try model(x, maskRatio: config.maskRatio, generator: generator)
            let value = Double(try loss.item())
            guard value.isFinite else { throw TensorError("MBM training: loss is \(value) at epoch \(epoch), iteration \(it); stopping") }
            optimizer.zeroGrad()
            try loss.backward()
            if config.clipGrad > 0 { try clipGradNorm(model.trainableParameters(), maxNorm: Float(config.clipGrad)) }
            try optimizer.step()
            let cors = try withNoGrad { try rowPearson(model.unpatchify(pred.detach()), x) }
            lossSum += value * Double(ids.count)
            corSum += cors.reduce(0) { $0 + Double($1) }
            seen += ids.count
            onIteration?(it, perEpoch, value, cors.reduce(0) { $0 + Double($1) } / Double(Swift.max(cors.count, 1)))
        }
        epoch += 1
        let seconds = Date().timeIntervalSince(start)
        return EpochReport(epoch: epoch, loss: lossSum / Double(seen), correlation: corSum / Double(seen), learningRate: lr,
                           seconds: seconds, samplesPerSecond: Double(seen) / Swift.max(seconds, 1e-9))
    }
}
