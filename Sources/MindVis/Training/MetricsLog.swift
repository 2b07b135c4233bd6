import Foundation
import MindTensor

/// `metrics.jsonl` beside a run's checkpoints: one JSON object per line, appended and flushed as
/// they come, so a killed run keeps everything logged so far.
public final class MetricsLog {
    public let url: URL
    private let handle: FileHandle

    public init(url: URL, truncate: Bool) throws {
        self.url = url
        let fm = FileManager.default
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

    public func append(_ fields: [(String, ConfigValue)]) {
        let body = fields.map { "\"\($0.0)\": \($0.1.json)" }.joined(separator: ", ")
        handle.write(("{" + body + "}\n").data(using: .utf8)!)
    }
}
