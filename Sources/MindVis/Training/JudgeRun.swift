import Foundation
import MindTensor

/// A judge training run on disk, laid out like the other stages (`RunFolder`): `metrics.jsonl` (one line per
/// epoch; the last also holds the held-out accuracies), `checkpoints/checkpoint.safetensors` written atomically
/// at the end with the training settings and accuracies in its metadata, and a progress line while it trains.
/// Training takes minutes, so there is no mid-run resume: a finished run is reused by loading its checkpoint.
public final class JudgeRun {
    public let trainer: JudgeTrainer
    public let output: URL
    /// The first stage whose reconstructions the accuracy is also measured on (the generated images' ceiling).
    public let vq: VQModel?
    public var progress = true
    /// Called after every epoch is logged, with the held-out accuracy after the last one.
    public var onEpoch: ((JudgeEpochReport, JudgeAccuracy?) throws -> Void)?

    public struct Summary {
        public var reports: [JudgeEpochReport]
        public var accuracy: JudgeAccuracy
        public var checkpoint: URL
        public var metrics: URL
    }

    public init(trainer: JudgeTrainer, output: URL, vq: VQModel? = nil) {
        (self.trainer, self.output, self.vq) = (trainer, output, vq)
    }

    public var checkpointURL: URL { RunFolder(output).checkpointURL }

    /// The judge of a finished run in this folder, nil when there is none. A judge takes minutes to train and has
    /// nothing to resume, so a finished one is reused as it is — only if it is the one asked for: another model or
    /// other settings are an error naming them, never a silent stand-in.
    public func finishedJudge() throws -> JudgeCNN? {
        guard FileManager.default.fileExists(atPath: checkpointURL.path) else { return nil }
        try ResumeCompatibility.checkReuse(checkpointURL, format: JudgeCheckpoint.format, settings: trainer.config.values)
        let judge = try JudgeCheckpoint.load(checkpointURL).judge
        let asked = trainer.judge.config, categories = trainer.judge.classNames
        guard judge.classNames == categories else {
            throw TensorError("the judge in \(checkpointURL.path) knows \(judge.classNames.count) categories that are not this simulation's \(categories.count); overwrite = true trains one for it, or choose another output")
        }
        guard judge.config == asked else {
            throw TensorError("\(checkpointURL.path) holds a judge of another model (\(ConfigValue.table(judge.config.values).shown)) than this run's (\(ConfigValue.table(asked.values).shown)); call with its model to reuse it, or overwrite = true trains one")
        }
        return judge
    }

    /// Trains to the end, measures the held-out accuracy and saves the judge. A folder that already holds a run
    /// is refused unless `overwrite`.
    public func run(overwrite: Bool = false) throws -> Summary {
        let folder = RunFolder(output)
        try folder.prepare(resume: nil, overwrite: overwrite, resumable: false)
        let log = try folder.openLog(resumedAfterEpoch: nil)
        let config = trainer.config
        let bar = progress ? Progress("judge", total: config.numEpoch * trainer.iterationsPerEpoch, unit: "it") : nil
        trainer.onIteration = { _, _, loss in bar?.advance(info: String(format: "epoch %d loss %.3f", self.trainer.epoch + 1, loss)) }
        var accuracy: JudgeAccuracy?
        trainer.onEpoch = { report in
            var fields = report.values
            if report.epoch == config.numEpoch {
                let measured = try self.trainer.heldOutAccuracy(vq: self.vq)
                fields += measured.values
                accuracy = measured
            }
            log?.append(fields)
            try self.onEpoch?(report, report.epoch == config.numEpoch ? accuracy : nil)
        }
        defer { trainer.onIteration = nil; trainer.onEpoch = nil }
        let reports = try trainer.run()
        guard let accuracy else { throw TensorError("judge: training ended before its last epoch") }
        bar?.finish(info: String(format: "held-out top-1 %.3f", accuracy.top1) + (accuracy.vqTop1.map { String(format: ", VQ-reconstructed %.3f", $0) } ?? ""))
        try JudgeCheckpoint.write(checkpointURL, judge: trainer.judge,
                                  metadata: ["training_config": ConfigJSON.encode(config.values), "accuracy": ConfigJSON.encode(accuracy.values)])
        return Summary(reports: reports, accuracy: accuracy, checkpoint: checkpointURL, metrics: folder.metricsURL)
    }
}
