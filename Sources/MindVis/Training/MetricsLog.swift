import Foundation
import MindIO
import MindTensor

/// `metrics.jsonl` beside a run's checkpoints: one JSON object per line, appended and flushed as
/// they come, so a killed run keeps everything logged so far.
public final class MetricsLog {
    public let url: URL
    private let handle: FileHandle

    /// `truncate` starts an empty log; otherwise lines are appended, after dropping those of epochs later than
    /// `keepingEpochsThrough` (a run resumed from an earlier checkpoint logs those epochs again).
    public init(url: URL, truncate: Bool, keepingEpochsThrough lastKept: Int? = nil) throws {
        self.url = url
        let fm = FileManager.default
        if let lastKept, !truncate, let text = try? String(contentsOf: url, encoding: .utf8) {
            let kept = text.split(separator: "\n").filter { line in
                guard let values = try? ConfigJSON.decode(String(line), context: "metrics"), case .int(let epoch)? = values["epoch"] else { return true }
                return epoch <= lastKept
            }
            try AtomicFile.write(Array(kept.map { $0 + "\n" }.joined().utf8), to: url)
        }
        if truncate || !fm.fileExists(atPath: url.path) {
            guard fm.createFile(atPath: url.path, contents: nil) else {
                throw TensorError("metrics log: cannot create \(url.path)")
            }
        }
        guard let h = FileHandle(forWritingAtPath: url.path) else { throw TensorError("metrics log: cannot open \(url.path)") }
        handle = h
        handle.seekToEndOfFile()
    }

    deinit { try? handle.close() }

    /// The lines of the log at `url` that read as JSON objects, in order (a killed run's cut-off line is passed
    /// over); empty when there is no file.
    public static func entries(_ url: URL) -> [[String: ConfigValue]] {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [] }
        return text.split(whereSeparator: \.isNewline).compactMap { try? ConfigJSON.decode(String($0), context: "metrics") }
    }

    public func append(_ fields: [(String, ConfigValue)]) {
        let body = fields.map { "\"\($0.0)\": \($0.1.json)" }.joined(separator: ", ")
        handle.write(("{" + body + "}\n").data(using: .utf8)!)
    }
}
