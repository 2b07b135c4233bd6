import Foundation

/// A flat, ordered list of named tensors picked out of a checkpoint, plus what was left out and why.
/// This is what `mindvis convert IN OUT [--key K] [--strip-prefix P]` needs.
public struct StateDict {
    /// Tensors in checkpoint order; nested dicts are flattened with "." (PyTorch's naming).
    public var tensors: [NamedArray]
    /// Entries that are not tensors, with what they were (e.g. `("epoch", "int")`).
    public var skipped: [(name: String, kind: String)]
    /// Tensor names removed by `strippingPrefix` because they did not start with the prefix.
    public var droppedByPrefix: [String]
    /// The safetensors `__metadata__` map when loaded from safetensors, else empty.
    public var metadata: [String: String]

    public init(tensors: [NamedArray], skipped: [(name: String, kind: String)] = [], droppedByPrefix: [String] = [],
                metadata: [String: String] = [:]) {
        self.tensors = tensors
        self.skipped = skipped
        self.droppedByPrefix = droppedByPrefix
        self.metadata = metadata
    }

    /// Keys that conventionally hold the state dict, in the order they are tried
    /// (Lightning/LDM `state_dict`, common `model_state_dict`, MinD-Vis stage A `model`).
    public static let conventionalKeys = ["state_dict", "model_state_dict", "model"]

    public var names: [String] { tensors.map(\.name) }

    public subscript(name: String) -> NDArray? {
        tensors.first { $0.name == name }?.array
    }

    /// Picks the state dict out of a loaded checkpoint. `keyPath` (e.g. "model", "state_dict",
    /// "module.state_dict") selects it explicitly: at each level the whole remaining path is tried as one
    /// key first, then its first dot-separated component. Without `keyPath` the first of
    /// `conventionalKeys` that holds a dict is used, else the top-level dict itself.
    public static func extract(from checkpoint: PickleValue, keyPath: String? = nil) throws -> StateDict {
        var root = checkpoint
        var path = ""
        if let keyPath {
            var remaining = Substring(keyPath)
            while !remaining.isEmpty {
                if let whole = root[String(remaining)] {
                    root = whole
                    path += (path.isEmpty ? "" : ".") + remaining
                    break
                }
                let parts = remaining.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
                let key = String(parts[0])
                guard let next = root[key] else {
                    let available = root.asDict?.compactMap { $0.key.asString }.joined(separator: ", ") ?? "none: not a dict"
                    throw MindIOError("state dict: no key '\(key)'\(path.isEmpty ? "" : " under '\(path)'") (keys: \(available))")
                }
                root = next
                path += (path.isEmpty ? "" : ".") + key
                remaining = parts.count > 1 ? parts[1] : ""
            }
        } else if let key = conventionalKeys.first(where: { checkpoint[$0]?.asDict != nil }), let value = checkpoint[key] {
            root = value
        }
        guard let items = root.asDict else {
            throw MindIOError("state dict: \(path.isEmpty ? "the checkpoint" : "'\(path)'") is a \(root.kindDescription), not a dict of tensors")
        }
        var result = StateDict(tensors: [])
        flatten(items, prefix: "", into: &result)
        return result
    }

    private static func flatten(_ items: [(key: PickleValue, value: PickleValue)], prefix: String, into result: inout StateDict) {
        for (key, value) in items {
            let name = prefix + (key.asString ?? key.description)
            switch value {
            case .array(let array): result.tensors.append((name, array))
            case .dict(let nested): flatten(nested, prefix: name + ".", into: &result)
            default: result.skipped.append((name, value.kindDescription))
            }
        }
    }

    /// Keeps only tensors whose names start with `prefix`, with the prefix removed (e.g.
    /// "model.diffusion_model." for the UNet of an LDM checkpoint); the others go to `droppedByPrefix`.
    public func strippingPrefix(_ prefix: String) -> StateDict {
        var result = StateDict(tensors: [], skipped: skipped, droppedByPrefix: droppedByPrefix, metadata: metadata)
        for (name, array) in tensors {
            if name.hasPrefix(prefix) {
                result.tensors.append((String(name.dropFirst(prefix.count)), array))
            } else {
                result.droppedByPrefix.append(name)
            }
        }
        return result
    }

    /// The tensors under `keyPath` in the nested view of flat dotted names (a safetensors or npz file): those named
    /// `keyPath.…`, without that prefix, as the same path selects a nested dict in a torch checkpoint.
    func selecting(keyPath: String) throws -> StateDict {
        let selected = strippingPrefix(keyPath + ".")
        guard !selected.tensors.isEmpty else {
            let tops = Set(tensors.map { $0.name.split(separator: ".", maxSplits: 1)[0] }).sorted().prefix(12)
            throw MindIOError("state dict: no key '\(keyPath)' (no tensor is named '\(keyPath).…'; top-level names: \(tops.joined(separator: ", ")))")
        }
        return StateDict(tensors: selected.tensors, skipped: skipped, metadata: metadata)
    }

    /// Loads a state dict from a safetensors file, an npz file (numeric members) or a torch checkpoint
    /// (zip or legacy), recognised by content (`FileFormat`). `keyPath` selects a nested dict of a torch checkpoint,
    /// and the tensors named `keyPath.…` of the flat formats.
    public static func load(contentsOf url: URL, keyPath: String? = nil, stripPrefix: String? = nil,
                            verifyChecksums: Bool = true) throws -> StateDict {
        var result: StateDict
        let format = try FileFormat.detect(url, context: "state dict")
        switch format {
        case .safetensors:
            let file = try SafetensorsFile(contentsOf: url)
            result = StateDict(tensors: file.arrays(), metadata: file.metadata)
        case .npz:
            let archive = try NPZ.read(contentsOf: url, verifyChecksums: verifyChecksums)
            result = StateDict(tensors: [])
            flatten(archive.entries.map { (PickleValue.string($0.name), $0.value) }, prefix: "", into: &result)
        case .npy:
            result = StateDict(tensors: [(url.deletingPathExtension().lastPathComponent, try NPY.readArray(contentsOf: url))])
        case .torch:
            let checkpoint = try TorchCheckpoint.load(contentsOf: url, verifyChecksums: verifyChecksums)
            do {
                result = try extract(from: checkpoint, keyPath: keyPath)
            } catch let error as MindIOError {
                // What is not a state dict is said of this file (a loader may read several).
                throw MindIOError("\(url.lastPathComponent): \(error.message)")
            }
        }
        if let keyPath, format != .torch { result = try result.selecting(keyPath: keyPath) }
        if let stripPrefix {
            result = result.strippingPrefix(stripPrefix)
        }
        return result
    }
}
