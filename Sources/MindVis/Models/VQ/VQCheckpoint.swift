import Foundation
import MindIO
import MindTensor

/// Reading and writing first-stage checkpoints. Ours are safetensors: the model state dict under the
/// reference's names, optimizer state under `optimizer.`, averaged weights under `ema.`, and the config (plus
/// training state) as JSON in the metadata. The reference's Lightning checkpoints load too: a VQ checkpoint's
/// `state_dict`, or the `first_stage_model.*` part of a whole LDM `model.ckpt`; their architecture is read from
/// the weights' shapes.
public enum VQCheckpoint {
    public static let format = "mindvis.vq.v1"
    static let ldmPrefix = "first_stage_model."

    /// What a checkpoint holds.
    public struct Contents {
        public var model: [(name: String, tensor: Tensor)]
        public var optimizer: [(name: String, tensor: Tensor)]
        public var ema: [(name: String, tensor: Tensor)]
        /// The stored model config (ours), nil for reference checkpoints.
        public var config: VQConfig?
        public var metadata: [String: String]
    }

    public static func read(_ url: URL) throws -> Contents {
        let file = try TrainingCheckpointFile(url, kind: "VQ checkpoint", strippingIfPresent: ldmPrefix)
        try TrainingCheckpointFile.requireFormat(file.metadata, expected: format, alsoAccepted: [LDMCheckpoint.format], file: url.lastPathComponent)
        let wholeLDM = file.metadata["format"] == LDMCheckpoint.format
        let config = try file.config.map { values in
            // A whole LDM of ours stores the first stage's config inside its own.
            try withErrorContext(url.lastPathComponent) { wholeLDM ? try LatentDiffusionConfig(values).firstStage : try VQConfig(values) }
        }
        return Contents(model: file.model, optimizer: file.optimizer, ema: file.ema, config: config, metadata: file.metadata)
    }

    /// The configuration implied by a reference state dict's shapes. The image resolution is not in the weights:
    /// it is `resolution` (the LDM's 256 by default) and places attention at the levels that have it.
    public static func inferConfig(_ state: [(name: String, tensor: Tensor)], resolution: Int = 256) throws -> VQConfig {
        let byName = Dictionary(state.map { ($0.name, $0.tensor.shape) }, uniquingKeysWith: { a, _ in a })
        func shape(_ key: String) throws -> [Int] {
            guard let s = byName[key] else { throw TensorError("VQ checkpoint: no '\(key)' in the state dict; is this a VQ autoencoder checkpoint?") }
            return s
        }
        func count(_ prefix: String) -> Int {
            Set(byName.keys.compactMap { name in name.dropPrefix(prefix).flatMap { Int($0.prefix { $0 != "." }) } }).count
        }
        let codebook = try shape("quantize.embedding.weight"), convIn = try shape("encoder.conv_in.weight")
        let zChannels = try shape("encoder.conv_out.weight")[0], outCh = try shape("decoder.conv_out.weight")[0]
        let ch = convIn[0], levels = count("encoder.down.")
        guard levels > 0, codebook.count == 2 else { throw TensorError("VQ checkpoint: no encoder levels or codebook found") }
        let chMult = try (0..<levels).map { try shape("encoder.down.\($0).block.0.conv1.weight")[0] / ch }
        let attention = (0..<levels).filter { byName["encoder.down.\($0).attn.0.q.weight"] != nil }.map { resolution >> $0 }
        let dd: [(String, ConfigValue)] = [
            ("z_channels", .int(zChannels)), ("resolution", .int(resolution)), ("in_channels", .int(convIn[1])), ("out_ch", .int(outCh)),
            ("ch", .int(ch)), ("ch_mult", .list(chMult.map { .int($0) })), ("num_res_blocks", .int(count("encoder.down.0.block."))),
            ("attn_resolutions", .list(attention.map { .int($0) })), ("dropout", .double(0)),
        ]
        return try VQConfig(["preset": .string("paper"), "n_embed": .int(codebook[0]), "embed_dim": .int(codebook[1]), "ddconfig": .table(dd)])
    }

    /// A model loaded (strictly) from a checkpoint: ours with its stored config, a reference one with the config
    /// `config` or, without it, the one its shapes imply at `resolution`.
    public static func loadModel(_ url: URL, config: VQConfig? = nil, resolution: Int = 256) throws -> VQModel {
        let contents = try read(url)
        let model = try VQModel(config ?? contents.config ?? inferConfig(contents.model, resolution: resolution))
        _ = try withErrorContext(url.lastPathComponent) { try model.loadStateDict(contents.model) }
        return model
    }

    /// Writes the weights (optionally optimizer state and averaged weights) with the config in the metadata,
    /// atomically.
    public static func write(_ url: URL, model: VQModel, optimizer: [(name: String, tensor: Tensor)] = [],
                             ema: [(name: String, tensor: Tensor)] = [], metadata extra: [String: String] = [:],
                             halfPrecision: Bool = false) throws {
        try TrainingCheckpointFile.write(url, state: model.stateDict(), optimizer: optimizer, ema: ema, metadata: extra, format: format,
                                         config: model.config.values,
                                         halved: halfPrecision ? Set(model.namedParameters().map(\.name)) : [])
    }
}
