import Foundation
import MindTensor

/// A first-stage training run on disk: `<output>/metrics.jsonl` (one line per epoch), `<output>/checkpoints/
/// checkpoint.safetensors` every `checkpoint_every` epochs and at the end (atomic, resumable), held-out PSNR and
/// SSIM and a reconstruction grid (`figures/reconstruction_epochNNNN.png`) at each checkpoint, and a progress
/// line while it trains. With an EMA the evaluation uses the averaged weights.
public final class VQRun {
    public let trainer: VQTrainer
    public let output: URL
    /// Held-out images [N, C, H, W] in [−1, 1] for PSNR, SSIM and the grid (the grid shows training images
    /// when there are none).
    public let evaluation: Tensor?
    public var progress: Bool = true
    /// Called with each epoch's report and its evaluation (if any) after they are logged.
    public var onEpoch: ((VQEpochReport, VQEvaluation?) throws -> Void)?

    public struct Summary {
        public var reports: [VQEpochReport]
        public var checkpoint: URL
        public var metrics: URL
        /// The run's per-epoch figures (`RunFolder.figures`), earlier sessions' too when resumed; empty on ranks other than 0.
        public var figures: [URL]
        /// Held-out quality at the last checkpoint.
        public var evaluation: VQEvaluation?
    }

    public init(trainer: VQTrainer, output: URL, evaluation: Tensor? = nil) throws {
        if let evaluation, evaluation.rank != 4 || Array(evaluation.shape.dropFirst()) != Array(trainer.data.shape.dropFirst()) || evaluation.shape[0] == 0 {
            throw TensorError("VQ training: held-out images must be [N, \(trainer.data.shape.dropFirst().map(String.init).joined(separator: ", "))] like the training images, got \(Shape.describe(evaluation.shape))")
        }
        self.trainer = trainer
        self.output = output
        self.evaluation = evaluation
    }

    public var checkpointURL: URL { RunFolder(output).checkpointURL }
    public var metricsURL: URL { RunFolder(output).metricsURL }

    /// Trains to the end. `resume` continues from a checkpoint of this run; without it, `overwrite` must be set to
    /// start over in a folder that already holds a run.
    /// Under mpirun every rank trains its share of each batch from rank 0's weights; rank 0 alone writes and evaluates.
    public func run(resume: URL? = nil, overwrite: Bool = false) throws -> Summary {
        let folder = RunFolder(output)
        let writer = ProcessGroup.isWriter
        try folder.prepare(resume: resume, overwrite: overwrite)
        if let resume {
            try trainer.resume(from: resume)
            try folder.adopt(resume)
        }
        try DataParallel.synchronize(trainer.model.parameters())
        let log = try folder.openLog(resumedAfterEpoch: resume.map { _ in trainer.epoch })
        let config = trainer.config
        let done = trainer.epoch * trainer.iterationsPerEpoch + (trainer.partialEpoch?.iteration ?? 0)
        let bar = folder.progressBar("vq", remaining: config.numEpoch * trainer.iterationsPerEpoch - done, epochs: config.numEpoch, shown: progress && writer)
        trainer.onIteration = { _, _, loss in
            bar?.advance(info: String(format: "epoch %d loss %.4f", self.trainer.epoch + 1, loss))
        }
        var lastEvaluation: VQEvaluation?
        trainer.onEpoch = { report in
            var fields = report.values
            var evaluation: VQEvaluation?
            if writer && (report.epoch % config.checkpointEvery == 0 || report.epoch == config.numEpoch) {
                try self.trainer.saveCheckpoint(to: self.checkpointURL)
                let quality = try self.evaluate(epoch: report.epoch)
                if let quality {
                    fields += quality.values
                    evaluation = quality
                    lastEvaluation = quality
                }
            }
            log?.append(fields)
            try self.onEpoch?(report, evaluation)
        }
        defer { trainer.onIteration = nil; trainer.onEpoch = nil }
        let reports = try RunFolder(output).trainingSavedOnInterrupt(bar: bar, save: { try trainer.saveCheckpoint(to: checkpointURL) }) { try trainer.run() }
        if let last = reports.last {
            bar?.finish(info: String(format: "loss %.4f codes used %d", last.loss, last.codesUsed))
        }
        return Summary(reports: reports, checkpoint: checkpointURL, metrics: metricsURL, figures: writer ? folder.figures : [], evaluation: lastEvaluation)
    }

    /// Held-out PSNR and SSIM (when there are held-out images); writes the reconstruction grid.
    func evaluate(epoch: Int) throws -> VQEvaluation? {
        try trainer.withAveragedWeights {
            let model = trainer.model
            model.eval()
            defer { model.train() }
            let quality = try evaluation.map { try VQEvaluation(model: model, images: $0, batchSize: trainer.config.batchSize) }
            let shown = Swift.min(trainer.config.gridImages, (evaluation ?? trainer.data).shape[0])
            guard shown > 0, [1, 3].contains(model.config.ddconfig.outCh) else { return quality }
            let inputs = try (evaluation ?? trainer.data).narrow(0, start: 0, length: shown)
            let figure = RunFolder(output).figureURL("reconstruction", epoch: epoch)
            try ReconstructionGrid.write(figure, inputs: inputs, reconstructions: try model.reconstruct(inputs, batchSize: trainer.config.batchSize))
            return quality
        }
    }
}
