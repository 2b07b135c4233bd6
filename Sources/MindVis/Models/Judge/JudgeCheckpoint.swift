import Foundation
import MindIO
import MindTensor

/// Judge checkpoints: safetensors with the weights, and the architecture, the class names and whatever the
/// trainer records (its settings, held-out accuracies) as JSON in the metadata (DESIGN.md §5).
public enum JudgeCheckpoint {
    public static let format = "mindvis.judge.v1"

    /// Writes the judge atomically; `metadata` adds entries (e.g. `training_config`, `accuracy`).
    public static func write(_ url: URL, judge: JudgeCNN, metadata extra: [String: String] = [:]) throws {
        let arrays: [NamedArray] = try judge.stateDict().map { ($0.name, try NDArray($0.tensor)) }
        var metadata = extra
        metadata["format"] = format
        metadata["model_config"] = ConfigJSON.encode(judge.config.values)
        metadata["class_names"] = ConfigValue.list(judge.classNames.map { .string($0) }).json
        try Safetensors.write(arrays, metadata: metadata, to: url)
    }

    /// The judge stored in `url`, and the file's metadata.
    public static func load(_ url: URL) throws -> (judge: JudgeCNN, metadata: [String: String]) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw TensorError("judge checkpoint: \(url.path) is not a file")
        }
        let (arrays, metadata) = try Safetensors.read(contentsOf: url)
        let name = url.lastPathComponent
        guard metadata["format"] == format, let json = metadata["model_config"] else {
            throw TensorError("judge checkpoint: \(name) is not a MindVis judge checkpoint (format \(metadata["format"] ?? "missing"), expected \(format))")
        }
        let config = try withErrorContext(name) { try JudgeConfig(try ConfigJSON.decode(json, context: "model_config")) }
        var names: [String] = []
        if let text = metadata["class_names"] {
            let wrapped = try ConfigJSON.decode("{\"class_names\": \(text)}", context: "\(name) class_names")
            var reader = ConfigReader(wrapped, context: "\(name)")
            names = try reader.stringList("class_names", [])
        }
        let judge = try JudgeCNN(config, classNames: names)
        try withErrorContext(name) { _ = try judge.loadStateDict(try arrays.map { ($0.name, try $0.array.tensor(name: $0.name)) }) }
        return (judge, metadata)
    }
}
