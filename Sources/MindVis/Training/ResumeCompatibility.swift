import Foundation
import MindIO
import MindTensor

/// What a checkpoint must share with a run to continue it exactly, as `resume` promises: the kind of training that
/// wrote it (its format: a VQ run cannot continue a stage-A checkpoint) and every setting that shapes the
/// optimisation (the stage, learning rates, batch size, masking, seed, ...). Only settings that do not may change
/// on resuming: the epoch count, how often checkpoints, figures and validations are made, and the decay of the
/// weights' moving average (kept beside the weights, never fed back into them).
enum ResumeCompatibility {
    static let changeable: Set<String> = ["num_epoch", "checkpoint_every", "grid_images", "val_every", "val_items", "val_samples",
                                          "ddim_steps", "sampler", "guidance", "ema_decay"]

    /// Reads the checkpoint's metadata and throws, naming the differences, unless a run of `format` with `settings`
    /// (its training config's values) may continue from it. Checkpoints without a training config (older or
    /// reference files) are left to the reader's own checks.
    static func check(_ url: URL, format: String, settings: [(String, ConfigValue)]) throws {
        try check(url, format: format, settings: settings, mayChange: changeable, context: "resume",
                  advice: "resume with its settings to continue it exactly, or overwrite = true starts over")
    }

    /// A finished judge is reused rather than resumed: every setting must be the one it was trained with.
    static func checkReuse(_ url: URL, format: String, settings: [(String, ConfigValue)]) throws {
        try check(url, format: format, settings: settings, mayChange: [], context: "a finished run is reused only as it was trained",
                  advice: "call with its settings to reuse it, or overwrite = true trains one with these")
    }

    private static func check(_ url: URL, format: String, settings: [(String, ConfigValue)], mayChange: Set<String>, context: String,
                              advice: String) throws {
        let file = url.lastPathComponent
        guard FileManager.default.fileExists(atPath: url.path) else { return }
        let metadata = try SafetensorsFile(contentsOf: url).metadata
        try withErrorContext(context) { try TrainingCheckpointFile.requireFormat(metadata, expected: format, file: file) }
        guard let text = metadata["training_config"] else { return }
        let saved = try ConfigJSON.decode(text, context: "\(file) training_config")
        let differences = settings.filter { !mayChange.contains($0.0) }.compactMap { key, value -> String? in
            guard let old = saved[key], old != value else { return nil }
            return "\(key) = \(old.shown) (this run: \(value.shown))"
        }
        guard differences.isEmpty else {
            throw TensorError("\(context): \(file) was trained with \(differences.joined(separator: ", ")); \(advice)")
        }
    }
}
