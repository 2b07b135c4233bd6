import Foundation
import MindIO
import MindTensor

extension VQTrainer {
    /// Writes weights, optimizer moments, averaged weights, epoch, generator state and both configs, atomically.
    public func saveCheckpoint(to url: URL) throws {
        var metadata = ["epoch": String(epoch), "rng": generator.state.map { String($0, radix: 16) }.joined(separator: ","),
                        "training_config": ConfigJSON.encode(config.values),
                        EpochProgress.sampleCountKey: String(data.shape[0])]
        if let partial = partialEpoch { metadata.merge(partial.metadata) { _, new in new } }
        var averaged: [(name: String, tensor: Tensor)] = []
        if let ema {
            averaged = zip(trainableNames, ema.shadows).map { ($0, $1) }
            metadata["ema_updates"] = String(ema.updates)
        }
        try VQCheckpoint.write(url, model: model, optimizer: optimizer.stateDict(), ema: averaged, metadata: metadata)
    }

    /// Continues from a checkpoint of this same run: the next epoch is the one after the saved one, with the
    /// saved weights, optimizer moments, averages and random stream.
    public func resume(from url: URL) throws {
        try ResumeCompatibility.check(url, format: VQCheckpoint.format, settings: config.values)
        let contents = try VQCheckpoint.read(url)
        guard let saved = contents.metadata["epoch"].flatMap({ Int($0) }), let rng = contents.metadata["rng"] else {
            throw TensorError("resume: \(url.lastPathComponent) is not a MindVis VQ training checkpoint (no epoch and generator state)")
        }
        guard contents.config == model.config else {
            throw TensorError("resume: \(url.lastPathComponent) holds a model with a different configuration than this run")
        }
        guard saved <= config.numEpoch else { throw TensorError("resume: checkpoint is at epoch \(saved), beyond num_epoch \(config.numEpoch)") }
        let words = rng.split(separator: ",").compactMap { UInt64($0, radix: 16) }
        let partial = try EpochProgress(metadata: contents.metadata, samples: data.shape[0], iterationsPerEpoch: iterationsPerEpoch,
                                        file: url.lastPathComponent)
        if let ema {
            let byName = Dictionary(contents.ema.map { ($0.name, $0.tensor) }, uniquingKeysWith: { a, _ in a })
            let shadows = try trainableNames.map { name -> Tensor in
                guard let t = byName[name] else { throw TensorError("resume: \(url.lastPathComponent) has no averaged weight for \(name) (was the run started without ema_decay?)") }
                return t
            }
            try ema.restore(shadows: shadows, updates: contents.metadata["ema_updates"].flatMap { Int($0) } ?? 0)
        }
        try model.loadStateDict(contents.model)
        try optimizer.loadStateDict(contents.optimizer)
        try generator.restore(words)
        epoch = saved
        partialEpoch = partial
    }

    /// Names of the trainable parameters, in the order of the optimizer and the EMA.
    var trainableNames: [String] { model.namedParameters().filter { $0.tensor.isGradLeaf }.map(\.name) }
}
