import Foundation
import MindTensor

/// What one epoch of latent diffusion training achieved.
public struct LDMEpochReport: Equatable {
    public var epoch: Int
    /// Mean ε-prediction loss per sample.
    public var loss: Double
    public var seconds: Double
    public var samplesPerSecond: Double

    public var values: [(String, ConfigValue)] {
        [("epoch", .int(epoch)), ("loss", .double(loss)), ("seconds", .double(seconds)), ("samples_per_second", .double(samplesPerSecond))]
    }
}

/// Latent diffusion training, one clear step at a time (the reference's `shared_step` / `p_losses`): draw a batch of
/// rows in a shuffled order, take each row's cached latent (a crop variant with the augmentation's probability),
/// encode its condition (replaced by the null condition with `cond_dropout`), t ~ U{0..T−1}, ε ~ N(0, I), the
/// ε-prediction loss, backward into the trainable parameters only, global-norm clip, AdamW, EMA. One trainer serves
/// stage B (the explicit trainable set, `LDMFinetune`) and label2img models (UNet and class embedder,
/// `Label2ImgTraining`). Every random draw comes from one seeded generator whose state is checkpointed, with the
/// running epoch's order and position, so a resumed run continues exactly, also after an interrupt mid-epoch.
public final class LDMTrainer {
    public let model: LatentDiffusion
    public let config: LDMTrainingConfig
    public let cache: LatentCache
    /// Per training row its condition ([N, ...]: fMRI rows or labels) and the cached image it shows.
    public let conditions: Tensor
    public let imageIndex: [Int]
    /// The parameters that train, by name, in the order of the optimizer and the EMA.
    public let trainable: [(name: String, tensor: Tensor)]
    public let optimizer: Adam
    public let generator: Generator
    public let ema: ParameterEMA?
    /// Completed epochs.
    public internal(set) var epoch = 0
    /// The running epoch (order, next iteration, loss so far); nil between epochs.
    public internal(set) var partialEpoch: EpochProgress?
    /// Polled between iterations; returning true stops training with `TrainingInterrupted` (state intact, so the
    /// caller can checkpoint it).
    public var shouldStop: () -> Bool = { false }
    /// Called after every epoch (logging, checkpoints, validation); an error stops training.
    public var onEpoch: ((LDMEpochReport) throws -> Void)?
    /// Called after every iteration with (iteration within epoch, iterations per epoch, loss).
    public var onIteration: ((Int, Int, Double) -> Void)?

    /// Makes `trainable` the only parameters of `model` that receive gradients and builds AdamW over them.
    public init(model: LatentDiffusion, cache: LatentCache, conditions: Tensor, imageIndex: [Int],
                trainable: [(name: String, tensor: Tensor)], config: LDMTrainingConfig) throws {
        guard Array(cache.latents.shape.dropFirst()) == model.config.latentShape else {
            throw TensorError("LDM training: cached latents are \(Shape.describe(Array(cache.latents.shape.dropFirst()))), the model's are \(Shape.describe(model.config.latentShape))")
        }
        let rows = try model.conditioner.conditionCount(conditions)
        guard rows > 0, rows == imageIndex.count else {
            throw TensorError("LDM training: \(rows) conditions for \(imageIndex.count) rows; give one image index per condition (and at least one)")
        }
        if let bad = imageIndex.first(where: { $0 < 0 || $0 >= cache.imageCount }) {
            throw TensorError("LDM training: image index \(bad) is out of range for \(cache.imageCount) cached images")
        }
        guard !trainable.isEmpty else { throw TensorError("LDM training: nothing to train") }
        if config.condDropout > 0, try model.conditioner.unconditionalContext() == nil {
            throw TensorError("LDM training: cond_dropout \(config.condDropout) needs a conditioner with a null condition (a class embedder with null_class); \(model.conditioner.typeName) has none")
        }
        self.model = model
        self.config = config
        self.cache = cache
        self.conditions = try conditions.contiguous().detach()
        self.imageIndex = imageIndex
        self.trainable = trainable
        try model.train(only: trainable)
        let params = trainable.map(\.tensor)
        optimizer = try Adam(groups: [ParamGroup(params: params, lr: Float(config.lr), weightDecay: Float(config.weightDecay))],
                             betas: (config.betas[0], config.betas[1]), eps: 1e-8, decoupledWeightDecay: true)
        generator = Generator(seed: UInt64(config.seed))
        ema = config.emaDecay > 0 ? try ParameterEMA(params, decay: Float(config.emaDecay)) : nil
    }

    public var rowCount: Int { imageIndex.count }
    public var iterationsPerEpoch: Int { (rowCount + config.batchSize - 1) / config.batchSize }

    /// Trains until `config.numEpoch` epochs are complete (or `epochs` more, if given).
    @discardableResult
    public func run(epochs: Int? = nil) throws -> [LDMEpochReport] {
        let last = Swift.min(config.numEpoch, epochs.map { epoch + $0 } ?? config.numEpoch)
        return try trainEpochs(until: last, completed: { epoch }, trainEpoch, onEpoch: onEpoch)
    }

    /// One optimisation step on the global batch `rows`; returns the batch's loss and the all-reduced stop flag
    /// (`stopFlag`: this rank's, see StopAgreement).
    /// Under mpirun every rank draws the randomness of the whole batch (crops, dropped conditions, timesteps, noise),
    /// so each row gets what it gets in a one-process run, and trains on its share of the rows; one all-reduce then
    /// sums the gradients weighted by the shares (every row's loss is a mean over the same number of elements).
    public func step(rows: [Int], stopFlag: Double = 0) throws -> (loss: Double, stopFlag: Double) {
        let variants = rows.map { _ in
            cache.variants > 1 && generator.nextUnit() < config.cropProbability ? 1 + generator.nextInt(below: cache.variants - 1) : 0
        }
        var batch = try conditions.indexSelect(0, index: Tensor(rows.map(Float.init)))
        if config.condDropout > 0 { batch = try model.conditioner.droppingConditions(batch, probability: config.condDropout, generator: generator) }
        let (t, noise) = try model.schedule.trainingDraws(shape: [rows.count] + Array(cache.latents.shape.dropFirst()), generator: generator)
        let mine = DataParallel.share(of: rows.count)
        model.train()
        model.firstStage.eval()
        optimizer.zeroGrad()
        var local = 0.0
        if !mine.isEmpty {
            let latents = try cache.select(images: mine.map { imageIndex[rows[$0]] }, variants: Array(variants[mine]))
            let slice = { (x: Tensor) in try x.narrow(0, start: mine.lowerBound, length: mine.count) }
            let loss = try model.loss(latents: latents, context: model.conditioner.context(slice(batch)), t: slice(t), noise: slice(noise))
            local = Double(try loss.item())
            try loss.backward()
        }
        let share = Double(mine.count) / Double(rows.count)
        let reduced = try DataParallel.reduceGradients(trainable.map(\.tensor), weight: share,
                                                       scalars: [local * share, stopFlag])
        let value = reduced[0]
        guard value.isFinite else { throw TensorError("LDM training: loss is \(value) at epoch \(epoch + 1); stopping") }
        if config.clipGrad > 0 { try clipGradNorm(trainable.map(\.tensor), maxNorm: Float(config.clipGrad)) }
        try optimizer.step()
        try ema?.update()
        return (value, reduced[1])
    }

    /// One pass over the rows in a fresh random order, or the rest of an interrupted pass.
    func trainEpoch() throws -> LDMEpochReport {
        let start = Date()
        let n = rowCount, perEpoch = iterationsPerEpoch
        var progress = partialEpoch ?? EpochProgress(order: generator.permutation(n))
        progress.learningRate = config.lr
        partialEpoch = progress
        var stop = StopAgreement(poll: shouldStop)
        while progress.iteration < perEpoch {
            if stop.stopsNow { throw TrainingInterrupted(epoch: epoch, iteration: progress.iteration) }
            let it = progress.iteration
            let rows = Array(progress.order[(it * config.batchSize)..<Swift.min(n, (it + 1) * config.batchSize)])
            let (value, stopFlag) = try step(rows: rows, stopFlag: stop.flag)
            stop.record(reducedFlag: stopFlag)
            progress.lossSum += value * Double(rows.count)
            progress.seen += rows.count
            progress.iteration += 1
            partialEpoch = progress
            onIteration?(it, perEpoch, value)
        }
        partialEpoch = nil
        epoch += 1
        let seconds = Date().timeIntervalSince(start)
        return LDMEpochReport(epoch: epoch, loss: progress.lossSum / Double(Swift.max(progress.seen, 1)), seconds: seconds,
                              samplesPerSecond: Double(progress.seen) / Swift.max(seconds, 1e-9))
    }

    /// Runs `body` with the averaged weights in the model (when there is an EMA), restoring the trained ones after.
    public func withAveragedWeights<T>(_ body: () throws -> T) throws -> T {
        guard let ema else { return try body() }
        return try ema.withAveragedWeights(trainable.map(\.tensor), body)
    }
}
