import Foundation

/// Where a training run keeps its files (DESIGN.md §5): `metrics.jsonl` at the top, the resumable
/// `checkpoints/checkpoint.safetensors`, and figures per epoch under `figures/`.
public struct RunFolder {
    public let output: URL

    public init(_ output: URL) { self.output = output }

    public var checkpointURL: URL { output.appendingPathComponent("checkpoints/checkpoint.safetensors") }
    public var metricsURL: URL { output.appendingPathComponent("metrics.jsonl") }

    public func figureURL(_ name: String, epoch: Int) -> URL {
        output.appendingPathComponent("figures/\(name)_epoch\(String(format: "%04d", epoch)).png")
    }

    /// Creates the folders and opens the metrics log: appended to when resuming, started afresh otherwise.
    func prepare(resuming: Bool) throws -> MetricsLog {
        let fm = FileManager.default
        try fm.createDirectory(at: output.appendingPathComponent("checkpoints"), withIntermediateDirectories: true)
        try fm.createDirectory(at: output.appendingPathComponent("figures"), withIntermediateDirectories: true)
        return try MetricsLog(url: metricsURL, truncate: !resuming)
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
