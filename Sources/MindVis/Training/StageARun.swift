import Foundation
import MindTensor

/// A stage A run on disk: `<output>/metrics.jsonl` (one line per epoch), `<output>/checkpoints/
/// checkpoint.safetensors` every `checkpoint_every` epochs, at the end and when interrupted (atomic, resumable
/// exactly, also mid-epoch), a reconstruction figure of held-out samples at each checkpoint, and a progress line
/// while it trains. A folder that already holds a run is never silently overwritten.
public final class StageARun {
    public let trainer: MBMTrainer
    public let output: URL
    /// Held-out fMRI [N, V] used for the figure and the evaluation correlation (e.g. the test split).
    public let evaluation: Tensor?
    public var progress: Bool = true
    /// Called with each epoch's report after it is logged (Lua callbacks, printing).
    public var onEpoch: ((EpochReport) throws -> Void)?
    /// Where lines about saved checkpoints and figures go (standard error by default, through the progress line).
    public var log: ((String) -> Void)?

    public struct Summary {
        public var reports: [EpochReport]
        public var checkpoint: URL
        public var metrics: URL
        /// The run's per-epoch figures (`RunFolder.figures`), earlier sessions' too when resumed; empty on ranks other than 0.
        public var figures: [URL]
        /// Mean masked-patch correlation on the evaluation data at the last checkpoint.
        public var evaluationCorrelation: Double?
    }

    public init(trainer: MBMTrainer, output: URL, evaluation: Tensor? = nil) throws {
        if let evaluation, evaluation.rank != 2 || evaluation.shape[1] != trainer.model.config.numVoxels || evaluation.shape[0] == 0 {
            throw TensorError("stage A: evaluation data must be [samples, \(trainer.model.config.numVoxels)] with at least one sample (eval = false for none), got \(Shape.describe(evaluation.shape))")
        }
        self.trainer = trainer
        self.output = output
        self.evaluation = evaluation
    }

    /// The held-out masked-patch correlation's name in metrics.jsonl.
    public static let evaluationKey = "eval_masked_cor"

    public var checkpointURL: URL { RunFolder(output).checkpointURL }
    public var metricsURL: URL { RunFolder(output).metricsURL }

    /// Trains to the end. `resume` continues from a checkpoint of this run; without it, `overwrite` must be set to
    /// start over in a folder that already holds a run.
    /// Under mpirun every rank trains its share of each batch from rank 0's weights; rank 0 alone writes.
    public func run(resume: URL? = nil, overwrite: Bool = false) throws -> Summary {
        let folder = RunFolder(output)
        let writer = ProcessGroup.isWriter
        try folder.prepare(resume: resume, overwrite: overwrite)
        let notes = try resume.map { try trainer.resume(from: $0) } ?? []
        if let resume { try folder.adopt(resume) }
        try DataParallel.synchronize(trainer.model.parameters())
        let log = try folder.openLog(resumedAfterEpoch: resume.map { _ in trainer.epoch })
        let config = trainer.config
        let done = trainer.epoch * trainer.iterationsPerEpoch + (trainer.partialEpoch?.iteration ?? 0)
        let bar = folder.progressBar(config.stage.rawValue, remaining: config.numEpoch * trainer.iterationsPerEpoch - done, epochs: config.numEpoch, shown: progress && writer)
        let say = self.log ?? { line in
            if let bar { bar.message(line) } else { FileHandle.standardError.write((line + "\n").data(using: .utf8)!) }
        }
        if writer { for note in notes { say("warning: " + note) } }
        var lastLoss = 0.0
        trainer.onIteration = { _, _, loss, cor in
            lastLoss = loss
            bar?.advance(info: String(format: "epoch %d loss %.4f cor %.3f", self.trainer.epoch + 1, loss, cor))
        }
        var evaluationCorrelation: Double?
        trainer.onEpoch = { report in
            var fields = report.values
            if writer && (report.epoch % config.checkpointEvery == 0 || report.epoch == config.numEpoch) {
                try self.trainer.saveCheckpoint(to: self.checkpointURL)
                if let (cor, figure) = try self.evaluate(epoch: report.epoch) {
                    evaluationCorrelation = cor
                    fields.append((StageARun.evaluationKey, .double(cor)))
                    if let figure {
                        say(String(format: "epoch %d: held-out masked-patch correlation %.3f; figure ", report.epoch, cor) + figure.path)
                    }
                }
            }
            log?.append(fields)
            try self.onEpoch?(report)
        }
        defer { trainer.onIteration = nil; trainer.onEpoch = nil }
        let reports = try RunFolder(output).trainingSavedOnInterrupt(bar: bar, save: { try trainer.saveCheckpoint(to: checkpointURL) }) { try trainer.run() }
        bar?.finish(info: String(format: "loss %.4f cor %.3f", reports.last?.loss ?? lastLoss, reports.last?.correlation ?? 0))
        return Summary(reports: reports, checkpoint: checkpointURL, metrics: metricsURL, figures: writer ? folder.figures : [],
                       evaluationCorrelation: evaluationCorrelation)
    }

    /// Masked-patch correlation on the evaluation data (fixed masks, so checkpoints are comparable), and
    /// the reconstruction figure.
    func evaluate(epoch: Int) throws -> (Double, URL?)? {
        guard let evaluation else { return nil }
        let n = Swift.min(evaluation.shape[0], 64)
        let x = try evaluation.narrow(0, start: 0, length: n).reshape([n, 1, evaluation.shape[1]])
        let model = trainer.model
        model.eval()
        defer { model.train() }
        let r = try model.reconstruct(x, maskRatio: trainer.config.maskRatio, generator: Generator(seed: 7))
        let cor = r.maskedCorrelation.reduce(0) { $0 + Double($1) } / Double(n)
        let figure = RunFolder(output).figureURL("reconstruction", epoch: epoch)
        try ReconstructionFigure.write(figure, truth: x, reconstruction: r.reconstruction, mask: r.mask,
                                       patchSize: model.config.patchSize, samples: Swift.min(n, 4),
                                       title: "\(trainer.config.stage == .pretrain ? "A1" : "A2") epoch \(epoch), held-out")
        return (cor, figure)
    }
}
