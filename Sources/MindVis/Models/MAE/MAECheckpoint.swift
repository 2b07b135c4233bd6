import Foundation
import MindIO
import MindTensor

/// Reading and writing stage-A checkpoints. Ours are safetensors: the model state dict under the
/// reference's names (so the reference loads it), optimizer state under `optimizer.`, and the
/// configs, epoch and generator state as JSON in the metadata. Reference `checkpoint.pth` files
/// (`{'model', 'optimizer', 'epoch', 'config', ...}`) load too; the architecture is read from the
/// weights' shapes, and the head counts (which shapes cannot tell) from the stored config.
public enum MAECheckpoint {
    public static let format = "mindvis.mbm.v1"

    /// What a checkpoint holds.
    public struct Contents {
        public var model: [(name: String, tensor: Tensor)]
        public var optimizer: [(name: String, tensor: Tensor)]
        /// Settings found in the file's config (ours or the reference's pickled config object).
        public var storedConfig: [String: ConfigValue]
        public var metadata: [String: String]
        public var epoch: Int?
    }

    public static func read(_ url: URL) throws -> Contents {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw TensorError("checkpoint: \(url.path) does not exist")
        }
        guard !isDirectory.boolValue else { throw TensorError("checkpoint: \(url.path) is a folder, not a checkpoint file") }
        if url.pathExtension == "safetensors" {
            let (arrays, metadata) = try Safetensors.read(contentsOf: url)
            try TrainingCheckpointFile.requireFormat(metadata, expected: format, file: url.lastPathComponent)
            var model: [(String, Tensor)] = [], optimizer: [(String, Tensor)] = []
            for (name, array) in arrays {
                let t = try array.tensor(name: name)
                if name.hasPrefix("optimizer.") { optimizer.append((String(name.dropFirst("optimizer.".count)), t)) } else { model.append((name, t)) }
            }
            let stored = try metadata["model_config"].map { try ConfigJSON.decode($0, context: "\(url.lastPathComponent) model_config") } ?? [:]
            return Contents(model: model, optimizer: optimizer, storedConfig: stored, metadata: metadata,
                            epoch: metadata["epoch"].flatMap { Int($0) })
        }
        let checkpoint = try TorchCheckpoint.load(contentsOf: url)
        let model = try StateDict.extract(from: checkpoint, keyPath: checkpoint["model"] != nil ? "model" : nil).namedTensors()
        var stored: [String: ConfigValue] = [:]
        if case .object(_, _, let state)? = checkpoint["config"], let attributes = state?.asDict {
            for (key, value) in attributes {
                guard let k = key.asString else { continue }
                if let i = value.asInt { stored[k] = .int(Int(i)) } else if let d = value.asDouble { stored[k] = .double(d) }
            }
        }
        return Contents(model: model, optimizer: [], storedConfig: stored, metadata: [:], epoch: checkpoint["epoch"]?.asInt.map { Int($0) })
    }

    /// The MAE configuration implied by a state dict's shapes, with head counts from `stored` (or
    /// `overrides`); `overrides` win over everything else.
    public static func config(for state: [(name: String, tensor: Tensor)], stored: [String: ConfigValue],
                              overrides: [String: ConfigValue] = [:]) throws -> MAEConfig {
        var values = try encoderValues(for: state)
        let byName = Dictionary(state.map { ($0.name, $0.tensor) }, uniquingKeysWith: { a, _ in a })
        guard let decPos = byName["decoder_pos_embed"]?.shape, decPos.count == 3 else {
            throw TensorError("checkpoint: no 'decoder_pos_embed' [1, L + 1, D] in the state dict; is this an fMRI MAE checkpoint?")
        }
        values["preset"] = .string("paper")
        values["decoder_embed_dim"] = .int(decPos[2])
        values["decoder_depth"] = .int(blockCount(state, prefix: "decoder_blocks."))
        for key in ["num_heads", "decoder_num_heads", "focus_range", "focus_rate"] {
            if let v = stored[key] { values[key] = v }
        }
        guard values["num_heads"] != nil || overrides["num_heads"] != nil else {
            throw TensorError("checkpoint: the number of attention heads is not stored; pass num_heads (and decoder_num_heads)")
        }
        for (k, v) in overrides { values[k] = v }
        return try MAEConfig(values)
    }

    /// The encoder keys a state dict's shapes imply (`num_voxels`, `patch_size`, `embed_dim`, `depth`, `mlp_ratio`):
    /// everything but the head count, which no shape tells.
    public static func encoderValues(for state: [(name: String, tensor: Tensor)]) throws -> [String: ConfigValue] {
        let byName = Dictionary(state.map { ($0.name, $0.tensor) }, uniquingKeysWith: { a, _ in a })
        func shape(_ key: String) throws -> [Int] {
            guard let t = byName[key] else { throw TensorError("checkpoint: no '\(key)' in the state dict; is this an fMRI MAE checkpoint?") }
            return t.shape
        }
        let pos = try shape("pos_embed"), patchW = try shape("patch_embed.proj.weight")
        guard pos.count == 3, patchW.count == 3 else { throw TensorError("checkpoint: unexpected position table or patch embedding shapes") }
        let fc1 = try shape("blocks.0.mlp.fc1.weight")
        return ["num_voxels": .int((pos[1] - 1) * patchW[2]), "patch_size": .int(patchW[2]), "embed_dim": .int(pos[2]),
                "depth": .int(blockCount(state, prefix: "blocks.")), "mlp_ratio": .double(Double(fc1[0]) / Double(pos[2]))]
    }

    /// How many numbered blocks `prefix0.`, `prefix1.`, ... a state dict holds.
    static func blockCount(_ state: [(name: String, tensor: Tensor)], prefix: String) -> Int {
        Set(state.compactMap { entry -> Int? in
            guard entry.name.hasPrefix(prefix) else { return nil }
            return Int(entry.name.dropFirst(prefix.count).prefix { $0 != "." })
        }).count
    }

    /// A model built from a checkpoint's shapes and loaded with its weights (strictly).
    public static func loadModel(_ url: URL, overrides: [String: ConfigValue] = [:]) throws -> MaskedAutoencoder {
        let contents = try read(url)
        let model = try MaskedAutoencoder(config(for: contents.model, stored: contents.storedConfig, overrides: overrides))
        _ = try withErrorContext(url.lastPathComponent) { try model.loadStateDict(contents.model) }
        return model
    }

    /// Writes model weights (and optionally optimizer state) with configs in the metadata, atomically.
    public static func write(_ url: URL, model: MaskedAutoencoder, optimizer: [(name: String, tensor: Tensor)] = [],
                             metadata extra: [String: String] = [:]) throws {
        var arrays: [NamedArray] = try model.stateDict().map { ($0.name, try NDArray($0.tensor)) }
        arrays += try optimizer.map { ("optimizer." + $0.name, try NDArray($0.tensor)) }
        var metadata = extra
        metadata["format"] = format
        metadata["model_config"] = ConfigJSON.encode(model.config.values)
        try Safetensors.write(arrays, metadata: metadata, to: url)
    }
}
