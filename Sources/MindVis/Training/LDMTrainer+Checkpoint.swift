import Foundation
import MindTensor

extension LDMTrainer {
    /// Writes the whole model (so the file alone generates and loads by name), the optimizer moments, averaged
    /// weights, epoch, generator state and both configs, atomically; mid-epoch (after an interrupt) also the epoch's
    /// order and position. `metadata` adds entries (the run's best validation score).
    public func saveCheckpoint(to url: URL, metadata extra: [String: String] = [:]) throws {
        var metadata = extra
        metadata["epoch"] = String(epoch)
        metadata["rng"] = generator.state.map { String($0, radix: 16) }.joined(separator: ",")
        metadata["training_config"] = ConfigJSON.encode(config.values)
        metadata["trainable"] = trainable.map(\.name).joined(separator: ",")
        metadata[EpochProgress.sampleCountKey] = String(rowCount)
        if let partial = partialEpoch { metadata.merge(partial.metadata) { _, new in new } }
        var averaged: [(name: String, tensor: Tensor)] = []
        if let ema {
            averaged = zip(trainable, ema.shadows).map { ($0.name, $1) }
            metadata["ema_updates"] = String(ema.updates)
        }
        try LDMCheckpoint.write(url, model: model, optimizer: optimizer.stateDict(), ema: averaged, metadata: metadata)
    }

    /// Continues from a checkpoint of this same run: its weights, optimizer moments, averages, random stream and
    /// epoch position. Returns the checkpoint's metadata (for the run's own entries).
    @discardableResult
    public func resume(from url: URL) throws -> [String: String] {
        let file = url.lastPathComponent
        let contents = try Self.readResumable(url, model: model, config: config)
        guard let saved = contents.metadata["epoch"].flatMap({ Int($0) }), let rng = contents.metadata["rng"] else {
            throw TensorError("resume: \(file) is not a MindVis diffusion training checkpoint (no epoch and generator state)")
        }
        guard contents.metadata["trainable"] == trainable.map(\.name).joined(separator: ",") else {
            throw TensorError("resume: \(file) trained another set of parameters than this run (another kind of training or train_pos_embed setting)")
        }
        guard saved <= config.numEpoch else { throw TensorError("resume: checkpoint is at epoch \(saved), beyond num_epoch \(config.numEpoch)") }
        let words = rng.split(separator: ",").compactMap { UInt64($0, radix: 16) }
        let partial = try EpochProgress(metadata: contents.metadata, samples: rowCount, iterationsPerEpoch: iterationsPerEpoch, file: file)
        if let ema {
            let byName = Dictionary(contents.ema.map { ($0.name, $0.tensor) }, uniquingKeysWith: { a, _ in a })
            let shadows = try trainable.map { entry -> Tensor in
                guard let t = byName[entry.name] else { throw TensorError("resume: \(file) has no averaged weight for \(entry.name) (was the run started without ema_decay?)") }
                return t
            }
            try ema.restore(shadows: shadows, updates: contents.metadata["ema_updates"].flatMap { Int($0) } ?? 0)
        }
        try model.loadChecked(contents.model, source: file)
        try optimizer.loadStateDict(contents.optimizer)
        try generator.restore(words)
        epoch = saved
        partialEpoch = partial
        return contents.metadata
    }

    /// Loads the model's weights from the checkpoint a run will resume, before the run encodes its latents: the
    /// frozen first stage that encoded them in the run it continues is the checkpoint's, not that of the model passed
    /// in (freshly initialised, or with another seed). `resume(from:)` loads the rest of the state later.
    public static func loadModel(from url: URL, into model: LatentDiffusion, config: LDMTrainingConfig) throws {
        try model.loadChecked(readResumable(url, model: model, config: config).model, source: url.lastPathComponent)
    }

    /// The checkpoint, once it is known to be this kind of run's, with these settings, of a model of this configuration.
    private static func readResumable(_ url: URL, model: LatentDiffusion, config: LDMTrainingConfig) throws -> LDMCheckpoint.Contents {
        try ResumeCompatibility.check(url, format: LDMCheckpoint.format, settings: config.values)
        let contents = try LDMCheckpoint.read(url)
        guard contents.config == model.config else {
            throw TensorError("resume: \(url.lastPathComponent) holds a model with a different configuration than this run")
        }
        return contents
    }
}
