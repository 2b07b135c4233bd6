import Foundation
import MindIO
import MindTensor

/// Where a training run keeps its files (DESIGN.md §5): `metrics.jsonl` at the top, the resumable
/// `checkpoints/checkpoint.safetensors`, and figures per epoch under `figures/`.
public struct RunFolder {
    public let output: URL

    public init(_ output: URL) { self.output = output }

    public var checkpointURL: URL { output.appendingPathComponent("checkpoints/checkpoint.safetensors") }
    public var metricsURL: URL { output.appendingPathComponent("metrics.jsonl") }
    /// The checkpoint with the best validation score so far (diffusion training's model selection).
    public var bestCheckpointURL: URL { output.appendingPathComponent("checkpoints/checkpoint_best.safetensors") }

    public func figureURL(_ name: String, epoch: Int) -> URL {
        output.appendingPathComponent("figures/\(name)_epoch\(String(format: "%04d", epoch)).png")
    }

    /// The per-epoch figures (`figureURL`) in the folder, by epoch: the whole run's, including those of earlier
    /// sessions of a resumed run.
    public var figures: [URL] {
        let folder = output.appendingPathComponent("figures")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        // `<name>_epochNNNN.png`, as `figureURL` names them (other images a script put there are not the run's).
        let epochs = names.compactMap { name -> (Int, String)? in
            guard name.hasSuffix(".png"), let mark = name.range(of: "_epoch", options: .backwards),
                  let epoch = Int(name[mark.upperBound...].dropLast(4)), epoch >= 0 else { return nil }
            return (epoch, name)
        }
        return epochs.sorted { ($0.0, $0.1) < ($1.0, $1.1) }.map { folder.appendingPathComponent($0.1) }
    }

    /// The progress line of a run with `remaining` iterations to train, nil when not `shown`. A finished run has
    /// nothing to train: one line says it is reused instead of a bar at 0/0.
    func progressBar(_ label: String, remaining: Int, epochs: Int, shown: Bool) -> Progress? {
        guard shown else { return nil }
        guard remaining > 0 else {
            FileHandle.standardError.write("\(label): \(output.path) holds a finished run (\(epochs) epoch\(epochs == 1 ? "" : "s")): nothing to train, its results are reused\n".data(using: .utf8)!)
            return nil
        }
        return Progress(label, total: remaining, unit: "it")
    }

    /// Refuses a folder that already holds a run unless resuming it or told to overwrite, then creates the folders.
    /// Overwriting removes the previous run's metrics, checkpoints and figures first, so that a new run that fails
    /// early never leaves the old checkpoint beside its own new metrics. Under mpirun only rank 0 touches the folder
    /// (every other rank computes and writes nothing). `resumable`: whether this kind of run has `resume` to offer.
    /// Resuming another folder's checkpoint (see `adopt`) needs a folder without a run of its own.
    func prepare(resume: URL?, overwrite: Bool, resumable: Bool = true) throws {
        guard ProcessGroup.isWriter else { return }
        let fm = FileManager.default
        let resuming = resume != nil
        if let resume, isForeign(resume), let held = [metricsURL, checkpointURL].first(where: { fm.fileExists(atPath: $0.path) }) {
            throw TensorError("\(output.path) already holds a run (\(held.lastPathComponent)): resume = \(resume.path) continues that checkpoint's run in a folder of its own; choose an empty output (resume = true continues the run in this folder)")
        }
        let folders = [output, output.appendingPathComponent("checkpoints"), output.appendingPathComponent("figures")]
        for folder in folders {
            var isDirectory: ObjCBool = false
            if fm.fileExists(atPath: folder.path, isDirectory: &isDirectory), !isDirectory.boolValue {
                throw TensorError("\(folder.path) is a file; a run needs a folder there (choose another output)")
            }
        }
        if !resuming {
            let previous = [metricsURL, checkpointURL].filter { fm.fileExists(atPath: $0.path) }
            if !previous.isEmpty && !overwrite {
                // A run stopped before its first checkpoint (killed) left only its metrics: there is nothing to resume.
                let continuation = !resumable ? "" : fm.fileExists(atPath: checkpointURL.path) ? "resume = true continues it, "
                    : "it stopped before saving a checkpoint, so it cannot be resumed; "
                throw TensorError("\(output.path) already holds a run (\(previous.map(\.lastPathComponent).joined(separator: ", "))): "
                                  + continuation + "overwrite = true starts over, or choose another output")
            }
            if overwrite {
                for old in [metricsURL] + folders.dropFirst() where fm.fileExists(atPath: old.path) {
                    try fm.removeItem(at: old)
                }
            }
        }
        try withMindIOErrors { for folder in folders.dropFirst() { try Folder.create(folder.path) } }
    }

    private func withMindIOErrors(_ body: () throws -> Void) throws {
        do { try body() } catch let error as MindIOError { throw TensorError(error.message) }
    }

    /// Whether `checkpoint` belongs to another folder than this run's.
    func isForeign(_ checkpoint: URL) -> Bool {
        checkpoint.standardizedFileURL.resolvingSymlinksInPath() != checkpointURL.standardizedFileURL.resolvingSymlinksInPath()
    }

    /// Makes this (empty) folder the continuation of the run whose checkpoint was resumed from another folder, once the
    /// trainer has accepted it: the checkpoint is copied in, and that run's metrics and best checkpoint when it sits in
    /// its run folder, so the folder holds a whole run — its checkpoint exists even when nothing was left to train, and
    /// a finished run gives back its last logged numbers. Nothing happens for the folder's own checkpoint.
    func adopt(_ checkpoint: URL) throws {
        guard ProcessGroup.isWriter, isForeign(checkpoint) else { return }
        let folder = checkpoint.deletingLastPathComponent()
        // Only a checkpoint inside a run folder's `checkpoints/` has a run folder around it to take more from.
        let source = folder.lastPathComponent == "checkpoints" ? RunFolder(folder.deletingLastPathComponent()) : nil
        try withMindIOErrors {
            try AtomicFile.copy(checkpoint, to: checkpointURL)
            for (from, to) in source.map({ [($0.metricsURL, metricsURL), ($0.bestCheckpointURL, bestCheckpointURL)] }) ?? []
            where FileManager.default.fileExists(atPath: from.path) {
                try AtomicFile.copy(from, to: to)
            }
        }
    }

    /// The metrics log: started afresh, or — resuming after `epoch` — kept up to that epoch and appended to; nil on
    /// ranks other than 0.
    func openLog(resumedAfterEpoch epoch: Int?) throws -> MetricsLog? {
        guard ProcessGroup.isWriter else { return nil }
        return try MetricsLog(url: metricsURL, truncate: epoch == nil, keepingEpochsThrough: epoch)
    }
}

extension RunFolder {
    /// Runs the training loop `body`; when it stops on Ctrl-C (`TrainingInterrupted`), `save` writes the checkpoint
    /// of the interrupted state (on rank 0), the progress line ends, and the error says how to continue.
    func trainingSavedOnInterrupt<Report>(bar: Progress?, save: () throws -> Void, _ body: () throws -> [Report]) throws -> [Report] {
        do {
            return try body()
        } catch let stop as TrainingInterrupted {
            if ProcessGroup.isWriter { try save() }
            bar?.finish(info: "stopped")
            throw TensorError("\(stop): saved \(checkpointURL.path); resume = true (or resume = that path) continues exactly from there")
        }
    }
}

/// The epoch loop of the trainers: `trainEpoch` until `last` epochs are complete (`completed` tells how many
/// are), handing each report to `onEpoch` (logging, checkpoints, callbacks; an error stops training).
func trainEpochs<Report>(until last: Int, completed: () -> Int, _ trainEpoch: () throws -> Report,
                         onEpoch: ((Report) throws -> Void)?) throws -> [Report] {
    var reports: [Report] = []
    while completed() < last {
        let report = try trainEpoch()
        reports.append(report)
        try onEpoch?(report)
    }
    return reports
}
