import Foundation
import MindIO
import MindTensor

extension MBMTrainer {
    /// Writes weights, optimizer moments, epoch, generator state and both configs, atomically.
    /// Mid-epoch (after an interrupt) it also stores the epoch's sample order and position.
    public func saveCheckpoint(to url: URL) throws {
        var metadata = [
            "epoch": String(epoch),
            "rng": generator.state.map { String($0, radix: 16) }.joined(separator: ","),
            "training_config": ConfigJSON.encode(config.values),
            EpochProgress.sampleCountKey: String(data.shape[0]),
        ]
        if let partial = partialEpoch { metadata.merge(partial.metadata) { _, new in new } }
        try MAECheckpoint.write(url, model: model, optimizer: optimizer.stateDict(), metadata: metadata)
    }

    /// Continues from a checkpoint of this same run: the next epoch is the one after the saved one,
    /// with the saved optimizer moments and random stream. Returns what the caller should tell the user: a run
    /// extended to another `num_epoch` continues on a learning-rate schedule stretched to the new length.
    @discardableResult
    public func resume(from url: URL) throws -> [String] {
        try ResumeCompatibility.check(url, format: MAECheckpoint.format, settings: config.values)
        let contents = try MAECheckpoint.read(url)
        guard let saved = contents.epoch, let rng = contents.metadata["rng"] else {
            throw TensorError("resume: \(url.lastPathComponent) is not a MindVis training checkpoint (no epoch and generator state)")
        }
        let savedConfig = try MAECheckpoint.config(for: contents.model, stored: contents.storedConfig)
        guard savedConfig == model.config else {
            throw TensorError("resume: \(url.lastPathComponent) holds a model with a different configuration than this run")
        }
        guard saved <= config.numEpoch else {
            throw TensorError("resume: checkpoint is at epoch \(saved), beyond num_epoch \(config.numEpoch)")
        }
        let words = rng.split(separator: ",").compactMap { UInt64($0, radix: 16) }
        let partial = try EpochProgress(metadata: contents.metadata, samples: data.shape[0], iterationsPerEpoch: iterationsPerEpoch,
                                        file: url.lastPathComponent)
        try model.loadStateDict(contents.model)
        try optimizer.loadStateDict(contents.optimizer)
        try generator.restore(words)
        epoch = saved
        partialEpoch = partial
        let trained = try contents.metadata["training_config"].map { try ConfigJSON.decode($0, context: url.lastPathComponent)["num_epoch"] }
        guard case .int(let before)?? = trained, before != config.numEpoch else { return [] }
        return ["resume: \(url.lastPathComponent) was trained for num_epoch = \(before) and this run asks for \(config.numEpoch): from epoch \(saved + 1) on, the cosine learning-rate schedule spans \(config.numEpoch) epochs (the epochs before followed the \(before)-epoch one), so the numbers will not match a \(config.numEpoch)-epoch run from the start"]
    }
}
