import Foundation
import MindVis

/// The options every training run takes besides its hyper-parameters, read the same way for every trainer:
/// `output`, `resume` (true: this run's own checkpoint; or a path), `overwrite`, `progress`, `on_epoch`.
struct RunOptions {
    /// Help lines (name, default, meaning) for `ConfigHelp`'s leading options.
    static func help(output: String) -> [(String, String, String)] {
        [("output", "\"\(output)\"", "the run folder: metrics.jsonl, checkpoints/, figures/"),
         ("resume", "nil", "true: continue the run in output from its checkpoint (exactly, also after Ctrl-C); or a checkpoint path"),
         ("overwrite", "false", "start over in an output folder that already holds a run"),
         ("progress", "true", "show the progress line"),
         ("on_epoch", "nil", "function(report) called after every epoch")]
    }

    let output: URL
    let overwrite: Bool
    let progress: Bool
    let onEpoch: LuaFunctionRef?
    private let resumeValue: LuaValue

    init(_ options: LuaOptions, defaultOutput: String, args: LuaArgs) throws {
        let folder = try options.string("output", default: defaultOutput)
        guard !folder.isEmpty else { throw args.error("output must name a folder, got an empty string") }
        output = URL(fileURLWithPath: folder)
        overwrite = try options.bool("overwrite", default: false)
        progress = try options.bool("progress", default: true)
        onEpoch = try options.function("on_epoch")
        resumeValue = try options.value("resume")
        switch resumeValue {
        case .nil, .boolean, .string: break
        default: throw args.error("resume must be true or a checkpoint path")
        }
        if overwrite, resumeValue != .nil, resumeValue != .boolean(false) {
            throw args.error("give resume (continue the run) or overwrite = true (start over), not both")
        }
    }

    /// The checkpoint to resume from, given where this run keeps its own.
    func resume(ownCheckpoint: URL) -> URL? {
        switch resumeValue {
        case .boolean(true): return ownCheckpoint
        case .string(let path): return URL(fileURLWithPath: path)
        default: return nil
        }
    }

    /// Calls `on_epoch` with the report's values. Ctrl-C while the callback runs stops it with the interrupt hook's
    /// error: that becomes `TrainingInterrupted` before the next epoch, so the run saves its checkpoint as it does for
    /// Ctrl-C between iterations.
    func epochCallback(_ args: LuaArgs) -> (([(String, ConfigValue)]) throws -> Void)? {
        onEpoch.map { callback in
            { values in
                let interrupts = LuaInterrupt.raisedCount
                do {
                    _ = try args.call(callback, [ConfigTables.table(values)])
                } catch where LuaInterrupt.raisedCount != interrupts {
                    guard case .int(let completed)? = values.first(where: { $0.0 == "epoch" })?.1 else { throw error }
                    throw TrainingInterrupted(epoch: completed, iteration: 0)
                }
            }
        }
    }
}
