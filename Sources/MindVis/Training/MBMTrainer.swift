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
    /// Where the running epoch stands (its sample order, the next iteration, the sums so far); nil between epochs.
    /// Checkpointed, so a run stopped mid-epoch continues exactly where it stopped.
    public internal(set) var partialEpoch: EpochProgress?
    /// Polled between iterations; returning true stops training with `TrainingInterrupted` (state intact, so the
    /// caller can checkpoint it).
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

    /// One pass over the data in a fresh random order, or the rest of an interrupted pass.
    func trainEpoch() throws -> EpochReport {
        let start = Date()
        let n = data.shape[0], v = data.shape[1], perEpoch = iterationsPerEpoch
        var progress = partialEpoch ?? EpochProgress(order: generator.permutation(n))
        partialEpoch = progress
        var stop = StopAgreement(poll: shouldStop)
        while progress.iteration < perEpoch {
            if stop.stopsNow { throw TrainingInterrupted(epoch: epoch, iteration: progress.iteration) }
            let it = progress.iteration
            progress.learningRate = schedule.apply(to: optimizer, epoch: epoch, iteration: it, iterationsPerEpoch: perEpoch)
            let ids = Array(progress.order[(it * config.batchSize)..<Swift.min(n, (it + 1) * config.batchSize)])
            // The masks of the whole global batch are drawn on every rank, so the generator advances alike on all
            // of them and each sample gets the mask it would get in a one-process run.
            let noise = try model.masking(ratio: config.maskRatio).noise(batch: ids.count, patches: model.config.numPatches,
                                                                          patchSize: model.config.patchSize, generator: generator)
            let mine = DataParallel.share(of: ids.count)
            optimizer.zeroGrad()
            var local = (loss: 0.0, correlationSum: 0.0)
            if !mine.isEmpty {
                let x = try data.indexSelect(0, index: Tensor(ids[mine].map(Float.init))).reshape([mine.count, 1, v])
                let (loss, pred, _) = try model(x, maskRatio: config.maskRatio, noise: noise.narrow(0, start: mine.lowerBound, length: mine.count),
                                                generator: generator)
                local.loss = Double(try loss.item())
                try loss.backward()
                let cors = try withNoGrad { try rowPearson(model.unpatchify(pred.detach()), x) }
                local.correlationSum = cors.reduce(0) { $0 + Double($1) }
            }
            // Every sample has the same number of masked patches, so the batch's loss (and gradient) is the mean of
            // the ranks' weighted by their shares.
            let share = Double(mine.count) / Double(ids.count)
            let step = try DataParallel.reduceGradients(model.trainableParameters(), weight: share,
                                                        scalars: [local.loss * share, local.correlationSum,
                                                                  stop.flag])
            let value = step[0]
            guard value.isFinite else { throw TensorError("MBM training: loss is \(value) at epoch \(epoch + 1), iteration \(it + 1); stopping") }
            stop.record(reducedFlag: step[2])
            if config.clipGrad > 0 { try clipGradNorm(model.trainableParameters(), maxNorm: Float(config.clipGrad)) }
            try optimizer.step()
            progress.lossSum += value * Double(ids.count)
            progress.correlationSum += step[1]
            progress.seen += ids.count
            progress.iteration += 1
            partialEpoch = progress
            onIteration?(it, perEpoch, value, step[1] / Double(ids.count))
        }
        partialEpoch = nil
        epoch += 1
        let seconds = Date().timeIntervalSince(start)
        return EpochReport(epoch: epoch, loss: progress.lossSum / Double(progress.seen), correlation: progress.correlationSum / Double(progress.seen),
                           learningRate: progress.learningRate, seconds: seconds,
                           samplesPerSecond: Double(progress.seen) / Swift.max(seconds, 1e-9))
    }
}

/// The state of an epoch in progress: its sample order, the next iteration and the running sums of its report.
public struct EpochProgress: Equatable {
    public var order: [Int]
    public var iteration = 0
    public var lossSum = 0.0
    public var correlationSum = 0.0
    public var seen = 0
    public var learningRate = 0.0
    /// Further running sums a trainer reports per epoch (the VQ's reconstruction and codebook losses).
    public var extraSums: [Double] = []
    /// Running counts a trainer keeps per epoch (the VQ's codebook usage).
    public var counts: [Int] = []

    /// The fields other than `order`, for a checkpoint's metadata.
    var values: [(String, ConfigValue)] {
        [("iteration", .int(iteration)), ("loss_sum", .double(lossSum)), ("correlation_sum", .double(correlationSum)),
         ("seen", .int(seen)), ("learning_rate", .double(learningRate)), ("extra_sums", .list(extraSums.map(ConfigValue.double))),
         ("counts", .list(counts.map(ConfigValue.int)))]
    }

    /// The progress as checkpoint metadata entries (`epoch_progress`, `epoch_order`).
    var metadata: [String: String] {
        ["epoch_progress": ConfigJSON.encode(values), "epoch_order": order.map { String($0, radix: 36) }.joined(separator: ",")]
    }
}

extension EpochProgress {
    /// The number of training samples, recorded in every checkpoint: resuming on other data (another `eval` split,
    /// another dataset) is refused rather than continued as if it were the same run.
    static let sampleCountKey = "training_samples"

    /// The progress stored in a checkpoint's metadata, nil when it was saved between epochs; checked against a run of
    /// `samples` samples and `iterationsPerEpoch` iterations.
    init?(metadata: [String: String], samples: Int, iterationsPerEpoch: Int, file: String) throws {
        if let saved = metadata[Self.sampleCountKey], saved != String(samples) {
            throw TensorError("resume: \(file) was trained on \(saved) samples (this run: \(samples)); resume with the same data and eval = to continue it exactly, or overwrite = true starts over")
        }
        guard let json = metadata["epoch_progress"] else { return nil }
        let values = try ConfigJSON.decode(json, context: "resume: \(file): epoch progress")
        order = (metadata["epoch_order"] ?? "").split(separator: ",").compactMap { Int($0, radix: 36) }
        var r = ConfigReader(values, context: "resume: \(file): epoch progress")
        iteration = try r.int("iteration", 0, range: 0...iterationsPerEpoch)
        lossSum = try r.double("loss_sum", 0)
        correlationSum = try r.double("correlation_sum", 0)
        seen = try r.int("seen", 0, range: 0...samples)
        learningRate = try r.double("learning_rate", 0)
        extraSums = try r.doubleList("extra_sums", [])
        counts = try r.intList("counts", []) ?? []
        try r.finish()
        guard order.count == samples, Set(order) == Set(0..<samples) else {
            throw TensorError("resume: \(file) was interrupted mid-epoch on \(order.count) samples; this run has \(samples)")
        }
    }
}

/// Training stopped on request (Ctrl-C) between two iterations; the trainer's state is consistent and can be saved.
public struct TrainingInterrupted: Error, CustomStringConvertible {
    public let epoch: Int
    public let iteration: Int
    public var description: String { "interrupted in epoch \(epoch + 1) before iteration \(iteration + 1)" }

    /// Stopped after `epoch` complete epochs (0-based: the epoch that would run next) before its iteration `iteration`.
    public init(epoch: Int, iteration: Int) { (self.epoch, self.iteration) = (epoch, iteration) }
}
