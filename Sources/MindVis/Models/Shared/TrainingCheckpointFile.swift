import Foundation
import MindIO
import MindTensor

/// The file layout our training checkpoints share (the first stage's and the latent diffusion model's): safetensors
/// with the model's state dict under the reference's names, optimizer state under `optimizer.`, averaged weights
/// under `ema.`, and the format name and model config as JSON in the metadata. Reference files (any layout
/// `StateDict.load` reads) come back with their tensors as the model part and no config.
struct TrainingCheckpointFile {
    var model: [(name: String, tensor: Tensor)] = []
    var optimizer: [(name: String, tensor: Tensor)] = []
    var ema: [(name: String, tensor: Tensor)] = []
    var metadata: [String: String]
    /// The stored model config (ours), nil for reference files.
    var config: [String: ConfigValue]?

    /// Reads `url` (`kind` names it in errors). When some tensor name starts with `prefix` (a part of a whole LDM
    /// checkpoint), only the tensors under it are kept, without the prefix.
    init(_ url: URL, kind: String, strippingIfPresent prefix: String? = nil) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw TensorError("\(kind): \(url.path) does not exist")
        }
        guard !isDirectory.boolValue else { throw TensorError("\(kind): \(url.path) is a folder, not a checkpoint file") }
        let loaded = try StateDict.load(contentsOf: url)
        metadata = loaded.metadata
        let part = prefix.flatMap { p in loaded.names.contains { $0.hasPrefix(p) } ? loaded.strippingPrefix(p) : nil } ?? loaded
        for (name, array) in part.tensors {
            let t = try array.tensor(name: name)
            if let rest = name.dropPrefix("optimizer.") { optimizer.append((rest, t)) }
            else if let rest = name.dropPrefix("ema.") { ema.append((rest, t)) }
            else { model.append((name, t)) }
        }
        config = try metadata["model_config"].map { try ConfigJSON.decode($0, context: "\(url.lastPathComponent) model_config") }
    }

    /// Refuses a file of ours that another kind of model wrote (its `metadata`'s format differs from `expected` and is
    /// not in `alsoAccepted`), naming both kinds: otherwise that model's config is read as this one's and fails on
    /// one of its keys. Reference files have no format and pass.
    static func requireFormat(_ metadata: [String: String], expected: String, alsoAccepted: Set<String> = [], file: String) throws {
        guard let stored = metadata["format"], stored != expected, !alsoAccepted.contains(stored) else { return }
        let names = [MAECheckpoint.format: "stage A (masked brain modelling)", VQCheckpoint.format: "VQ autoencoder",
                     LDMCheckpoint.format: "latent diffusion", JudgeCheckpoint.format: "judge"]
        throw TensorError("\(file) is a \(names[stored] ?? stored) checkpoint, not a \(names[expected] ?? expected) one")
    }

    /// Writes a model's state dict, optimizer state and averaged weights with `format` and the model's config in the
    /// metadata, atomically. `halved` names state tensors stored in half precision (weights shipped with the project;
    /// buffers such as a noise schedule stay float32).
    static func write(_ url: URL, state: [(name: String, tensor: Tensor)], optimizer: [(name: String, tensor: Tensor)],
                      ema: [(name: String, tensor: Tensor)], metadata extra: [String: String], format: String,
                      config: [(String, ConfigValue)], halved: Set<String> = []) throws {
        var arrays: [NamedArray] = try state.map { name, tensor in
            (name, halved.contains(name) ? try NDArray(halvesFrom: tensor.toArray(), shape: tensor.shape) : try NDArray(tensor))
        }
        arrays += try optimizer.map { ("optimizer." + $0.name, try NDArray($0.tensor)) }
        arrays += try ema.map { ("ema." + $0.name, try NDArray($0.tensor)) }
        var metadata = extra
        metadata["format"] = format
        metadata["model_config"] = ConfigJSON.encode(config)
        try Safetensors.write(arrays, metadata: metadata, to: url)
    }
}

extension String {
    /// The rest of the string after `prefix`, or nil when it does not start with it.
    func dropPrefix(_ prefix: String) -> String? {
        hasPrefix(prefix) ? String(dropFirst(prefix.count)) : nil
    }
}
