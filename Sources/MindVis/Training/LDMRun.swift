import Foundation
import MindTensor

/// Items a diffusion run validates on: their conditions [M, ...] and ground-truth images [M, C, H, W] in [0, 1].
public struct LDMValidationSet {
    public let conditions: Tensor
    public let truth: Tensor
    /// Where the items come from ("held-out training images", "test set"), for messages.
    public let source: String

    public init(conditions: Tensor, truth: Tensor, source: String) throws {
        guard truth.rank == 4, conditions.rank >= 1, conditions.shape[0] == truth.shape[0], truth.shape[0] > 0 else {
            throw TensorError("validation set: conditions \(Shape.describe(conditions.shape)) and ground truth \(Shape.describe(truth.shape)) must hold the same (positive) number of items, images as [M, C, H, W]")
        }
        (self.conditions, self.truth, self.source) = (conditions, truth, source)
    }

    public var count: Int { truth.shape[0] }
}

/// A validation metric: generated images [M, S, C, H, W] and ground truth [M, C, H, W], both in [0, 1] -> named values.
/// The first value selects the best checkpoint (higher is better). The default is `PairwiseIdentification.validationMetrics`
/// (pair-wise identification by PCC and SSIM in pixel space); a judge-based metric plugs in here.
public typealias LDMValidationMetric = (_ generated: Tensor, _ truth: Tensor) throws -> [(name: String, value: Double)]

/// A diffusion training run on disk: `<output>/metrics.jsonl` (one line per epoch, with validation values when
/// validated), `checkpoints/checkpoint.safetensors` every `checkpoint_every` epochs, at the end and when interrupted
/// (atomic, resumable exactly, also mid-epoch), `checkpoints/checkpoint_best.safetensors` whenever the validation
/// score improves, a grid of generated images per validation (`figures/samples_epochNNNN.png`: one row per item, the
/// ground truth first, then `val_samples` samples, as the reference draws it), and a progress line with ETA. A folder
/// that already holds a run is never silently overwritten. Validation uses the EMA weights when there are any, and
/// the same noise every time (seeded by `seed`), so scores of different epochs compare the models alone.
public final class LDMRun {
    public let trainer: LDMTrainer
    public let output: URL
    public let validation: LDMValidationSet?
    public var progress: Bool = true
    public var metric: LDMValidationMetric = PairwiseIdentification.validationMetrics
    /// Called with each epoch's report and its validation values (when validated) after they are logged.
    public var onEpoch: ((LDMEpochReport, [(name: String, value: Double)]?) throws -> Void)?
    /// Where lines about validation, checkpoints and figures go (standard error by default, through the progress line).
    public var log: ((String) -> Void)?

    public struct Summary {
        public var reports: [LDMEpochReport]
        public var checkpoint: URL
        /// The best-scoring checkpoint, when validation produced a score.
        public var bestCheckpoint: URL?
        public var bestScore: Double?
        public var metrics: URL
        /// The run's per-epoch figures (`RunFolder.figures`), earlier sessions' too when resumed; empty on ranks other than 0.
        public var figures: [URL]
        /// The values of the last validation.
        public var validation: [(name: String, value: Double)]?
    }

    public init(trainer: LDMTrainer, output: URL, validation: LDMValidationSet? = nil) throws {
        if let validation {
            _ = try trainer.model.conditioner.conditionCount(validation.conditions)
            let d = trainer.model.config.firstStage.ddconfig
            guard Array(validation.truth.shape.dropFirst()) == [d.outCh, d.resolution, d.resolution] else {
                throw TensorError("validation set: ground truth must be [M, \(d.outCh), \(d.resolution), \(d.resolution)] like the model's images, got \(Shape.describe(validation.truth.shape))")
            }
        }
        self.trainer = trainer
        self.output = output
        self.validation = validation
    }

    public var folder: RunFolder { RunFolder(output) }

    /// What names a validation score in metrics.jsonl (`val_pairwise_pcc`).
    public static let validationPrefix = "val_"

    /// Trains to the end. `resume` continues from a checkpoint of this run; without it, `overwrite` must be set to
    /// start over in a folder that already holds a run.
    /// Under mpirun every rank trains its share of each batch from rank 0's weights; rank 0 alone writes, validates
    /// and keeps the best checkpoint.
    public func run(resume: URL? = nil, overwrite: Bool = false) throws -> Summary {
        let folder = self.folder
        let writer = ProcessGroup.isWriter
        try folder.prepare(resume: resume, overwrite: overwrite)
        var best: Double?
        if let resume {
            let metadata = try trainer.resume(from: resume)
            best = metadata["best_score"].flatMap { Double($0) }
            try folder.adopt(resume)
        }
        try DataParallel.synchronize(trainer.model.parameters())
        let metricsLog = try folder.openLog(resumedAfterEpoch: resume.map { _ in trainer.epoch })
        let config = trainer.config
        let done = trainer.epoch * trainer.iterationsPerEpoch + (trainer.partialEpoch?.iteration ?? 0)
        let bar = folder.progressBar(config.kind.rawValue, remaining: config.numEpoch * trainer.iterationsPerEpoch - done, epochs: config.numEpoch, shown: progress && writer)
        let say = log ?? { line in
            if let bar { bar.message(line) } else { FileHandle.standardError.write((line + "\n").data(using: .utf8)!) }
        }
        trainer.onIteration = { _, _, loss in
            bar?.advance(info: String(format: "epoch %d loss %.4f", self.trainer.epoch + 1, loss))
        }
        var lastValidation: [(name: String, value: Double)]?
        func runMetadata() -> [String: String] { best.map { ["best_score": String($0)] } ?? [:] }
        trainer.onEpoch = { report in
            guard writer else { try self.onEpoch?(report, nil); return }
            var fields = report.values
            var values: [(name: String, value: Double)]?
            let last = report.epoch == config.numEpoch
            if self.validation != nil, config.valEvery > 0, last || report.epoch % config.valEvery == 0 {
                let (scores, figure) = try self.validate(epoch: report.epoch)
                values = scores
                lastValidation = scores
                fields += scores.map { (LDMRun.validationPrefix + $0.name, .double($0.value)) }
                var line = "epoch \(report.epoch): validation " + scores.map { "\($0.name) " + String(format: "%.3f", $0.value) }.joined(separator: ", ")
                if let score = scores.first?.value, score > (best ?? -.infinity) {
                    best = score
                    try self.trainer.saveCheckpoint(to: folder.bestCheckpointURL, metadata: runMetadata())
                    line += "; best so far, saved " + folder.bestCheckpointURL.lastPathComponent
                }
                say(line + "; samples " + figure.path)
            }
            if last || report.epoch % config.checkpointEvery == 0 {
                try self.trainer.saveCheckpoint(to: folder.checkpointURL, metadata: runMetadata())
            }
            metricsLog?.append(fields)
            try self.onEpoch?(report, values)
        }
        defer { trainer.onIteration = nil; trainer.onEpoch = nil }
        let reports = try folder.trainingSavedOnInterrupt(bar: bar, save: { try trainer.saveCheckpoint(to: folder.checkpointURL, metadata: runMetadata()) }) { try trainer.run() }
        bar?.finish(info: reports.last.map { String(format: "loss %.4f", $0.loss) } ?? "")
        return Summary(reports: reports, checkpoint: folder.checkpointURL,
                       bestCheckpoint: best == nil ? nil : folder.bestCheckpointURL, bestScore: best,
                       metrics: folder.metricsURL, figures: writer ? folder.figures : [], validation: lastValidation)
    }

    /// Generates `val_samples` images for the first `val_items` validation items (EMA weights, fixed noise), scores them
    /// (`metric`, with at least 2 items) and draws the grid. Returns the scores and the figure.
    public func validate(epoch: Int) throws -> ([(name: String, value: Double)], URL) {
        guard let validation else { throw TensorError("validate: this run has no validation set") }
        let config = trainer.config
        let count = Swift.min(validation.count, config.valItems)
        let conditions = try validation.conditions.narrow(0, start: 0, length: count)
        let truth = try validation.truth.narrow(0, start: 0, length: count)
        let generated = try trainer.withAveragedWeights {
            try trainer.model.generate(conditions: conditions, numSamples: config.valSamples, options: config.samplerOptions,
                                       seed: UInt64(config.seed))
        }
        let scores = count >= 2 ? try metric(generated.images, truth) : []
        let figure = folder.figureURL("samples", epoch: epoch)
        try SampleGrid.write(figure, truth: truth, samples: generated.images)
        return (scores, figure)
    }
}
