import Foundation
import MindTensor

/// What one epoch of first-stage training achieved.
public struct VQEpochReport: Equatable {
    public var epoch: Int
    /// Mean total loss, reconstruction loss (L1 + weighted L2) and quantiser loss per image.
    public var loss: Double, recLoss: Double, embLoss: Double
    /// Codebook entries chosen at least once during the epoch, and the perplexity of the choices.
    public var codesUsed: Int
    public var perplexity: Double
    /// Dead entries re-seeded from encoder outputs at the end of the epoch.
    public var codesRestarted: Int
    public var seconds: Double
    public var imagesPerSecond: Double

    public var values: [(String, ConfigValue)] {
        [("epoch", .int(epoch)), ("loss", .double(loss)), ("rec_loss", .double(recLoss)), ("emb_loss", .double(embLoss)),
         ("codes_used", .int(codesUsed)), ("perplexity", .double(perplexity)), ("codes_restarted", .int(codesRestarted)),
         ("seconds", .double(seconds)), ("images_per_second", .double(imagesPerSecond))]
    }
}

/// First-stage training, one clear step at a time: draw a batch in a shuffled order, encode, quantise
/// (straight-through), decode, L1 (+ L2) + codebook loss, backward, Adam, EMA of the weights. Codebook usage is
/// counted over each epoch; entries nobody chose are re-seeded from random encoder outputs of the epoch's last
/// batch. Every random draw comes from one seeded generator whose state is checkpointed, so a resumed run
/// continues with exactly the numbers of an uninterrupted one.
public final class VQTrainer {
    public let model: VQModel
    public let config: VQTrainingConfig
    /// Training images [N, in_channels, resolution, resolution] in [−1, 1].
    public let data: Tensor
    public let optimizer: Adam
    public let generator: Generator
    /// The moving average of the trainable parameters, when `ema_decay` > 0.
    public let ema: ParameterEMA?
    /// Completed epochs.
    public internal(set) var epoch = 0
    /// Where the running epoch stands (order, next iteration, sums, codebook counts); nil between epochs.
    /// Checkpointed, so a run stopped mid-epoch continues exactly where it stopped.
    public internal(set) var partialEpoch: EpochProgress?
    /// Polled between iterations; returning true stops training with an "interrupted" error.
    public var shouldStop: () -> Bool = { false }
    /// Called after every epoch (logging, checkpoints, user callbacks); an error stops training.
    public var onEpoch: ((VQEpochReport) throws -> Void)?
    /// Called after every iteration with (iteration within epoch, iterations per epoch, loss).
    public var onIteration: ((Int, Int, Double) -> Void)?

    public init(model: VQModel, data: Tensor, config: VQTrainingConfig) throws {
        let d = model.config.ddconfig
        guard data.rank == 4, data.shape[1] == d.inChannels, data.shape[2] == d.resolution, data.shape[3] == d.resolution else {
            throw TensorError("VQ training: images must be [N, \(d.inChannels), \(d.resolution), \(d.resolution)] for this model, got \(Shape.describe(data.shape))")
        }
        guard data.shape[0] > 0 else { throw TensorError("VQ training: no images") }
        self.model = model
        self.config = config
        self.data = try data.contiguous().detach()
        optimizer = try Adam(groups: [ParamGroup(params: model.trainableParameters(), lr: Float(config.lr), weightDecay: Float(config.weightDecay))],
                             betas: (config.betas[0], config.betas[1]), decoupledWeightDecay: config.optimizer == "adamw")
        generator = Generator(seed: UInt64(config.seed))
        ema = config.emaDecay > 0 ? try ParameterEMA(model.trainableParameters(), decay: Float(config.emaDecay)) : nil
    }

    public var iterationsPerEpoch: Int { (data.shape[0] + config.batchSize - 1) / config.batchSize }

    /// Trains until `config.numEpoch` epochs are complete (or `epochs` more, if given).
    @discardableResult
    public func run(epochs: Int? = nil) throws -> [VQEpochReport] {
        let last = Swift.min(config.numEpoch, epochs.map { epoch + $0 } ?? config.numEpoch)
        model.train()
        return try trainEpochs(until: last, completed: { epoch }, trainEpoch, onEpoch: onEpoch)
    }

    /// The training loss of a batch: L1 (+ weighted MSE) reconstruction plus the weighted quantiser loss.
    public func losses(_ images: Tensor) throws -> (total: Tensor, reconstruction: Tensor, quantizer: Tensor, output: VQModel.Output) {
        let out = try model.forward(images)
        var rec = try out.reconstruction.l1Loss(images)
        if config.l2Weight > 0 { rec = try rec + out.reconstruction.mseLoss(images) * Float(config.l2Weight) }
        return (try rec + out.embLoss * Float(config.codebookWeight), rec, out.embLoss, out)
    }

    /// One pass over the images in a fresh random order (or the rest of an interrupted pass), then the dead-code
    /// restart.
    func trainEpoch() throws -> VQEpochReport {
        let start = Date()
        let n = data.shape[0], perEpoch = iterationsPerEpoch
        var progress = partialEpoch ?? EpochProgress(order: generator.permutation(n))
        if progress.extraSums.isEmpty { progress.extraSums = [0, 0] }
        var usage = try CodebookUsage(size: model.config.nEmbed, counts: progress.counts)
        partialEpoch = progress
        var lastLatents: Tensor?
        // Under mpirun each rank trains its share of every batch; one all-reduce per step sums the gradients weighted
        // by the shares (the losses are means over equally many elements per image), the statistics, the codebook
        // counts and the stop flag (StopAgreement); the last batch's encoder outputs, which the dead-code restart draws from, are
        // gathered whole on every rank.
        var stop = StopAgreement(poll: shouldStop)
        let nEmbed = model.config.nEmbed
        while progress.iteration < perEpoch {
            let it = progress.iteration
            if stop.stopsNow { throw TrainingInterrupted(epoch: epoch, iteration: it) }
            let ids = Array(progress.order[(it * config.batchSize)..<Swift.min(n, (it + 1) * config.batchSize)])
            let mine = DataParallel.share(of: ids.count)
            optimizer.zeroGrad()
            var local = (values: [0.0, 0.0, 0.0], usage: CodebookUsage(size: nEmbed), latents: Tensor?.none)
            if !mine.isEmpty {
                let images = try data.indexSelect(0, index: Tensor(ids[mine].map(Float.init)))
                let (loss, rec, emb, out) = try losses(images)
                local.values = [Double(try loss.item()), Double(try rec.item()), Double(try emb.item())]
                try loss.backward()
                try local.usage.record(out.indices)
                local.latents = out.latents.detach()
            }
            let share = Double(mine.count) / Double(ids.count)
            let reduced = try DataParallel.reduceGradients(model.trainableParameters(), weight: share,
                                                           scalars: local.values.map { $0 * share } + [stop.flag]
                                                               + local.usage.counts.map(Double.init))
            let value = reduced[0]
            guard value.isFinite else { throw TensorError("VQ training: loss is \(value) at epoch \(epoch + 1), iteration \(it + 1); stopping") }
            stop.record(reducedFlag: reduced[3])
            try optimizer.step()
            try ema?.update()
            try usage.add(reduced[4...].map { Int($0.rounded()) })
            if config.restartDeadCodes && it == perEpoch - 1 {
                let side = model.config.latentSize
                lastLatents = try DataParallel.gatherRows(local.latents, share: mine, total: ids.count, rowShape: [model.config.embedDim, side, side])
            }
            let weight = Double(ids.count)
            progress.lossSum += value * weight
            progress.extraSums[0] += reduced[1] * weight
            progress.extraSums[1] += reduced[2] * weight
            progress.seen += ids.count
            progress.counts = usage.counts
            progress.iteration += 1
            partialEpoch = progress
            onIteration?(it, perEpoch, value)
        }
        var restarted = 0
        if config.restartDeadCodes, let lastLatents { restarted = try restartCodes(usage.dead, from: lastLatents) }
        partialEpoch = nil
        epoch += 1
        let seconds = Date().timeIntervalSince(start)
        return VQEpochReport(epoch: epoch, loss: progress.lossSum / Double(n), recLoss: progress.extraSums[0] / Double(n),
                             embLoss: progress.extraSums[1] / Double(n), codesUsed: usage.used, perplexity: usage.perplexity,
                             codesRestarted: restarted, seconds: seconds, imagesPerSecond: Double(n) / Swift.max(seconds, 1e-9))
    }

    /// Overwrites codebook entries `codes` with encoder outputs drawn at random from `latents` [B, D, h, w].
    /// Returns how many entries were restarted.
    func restartCodes(_ codes: [Int], from latents: Tensor) throws -> Int {
        guard !codes.isEmpty else { return 0 }
        let dim = model.config.embedDim
        let vectors = try latents.permute([0, 2, 3, 1]).reshape([-1, dim])
        let codebook = model.quantizer.embedding.weight
        try withNoGrad {
            for code in codes {
                let pick = generator.nextInt(below: vectors.shape[0])
                try codebook.narrow(0, start: code, length: 1).copyFrom(vectors.narrow(0, start: pick, length: 1))
            }
        }
        return codes.count
    }

    /// Runs `body` with the averaged weights in the model (when there is an EMA), restoring the trained ones after.
    public func withAveragedWeights<T>(_ body: () throws -> T) throws -> T {
        guard let ema else { return try body() }
        return try ema.withAveragedWeights(model.trainableParameters(), body)
    }
}
