import Foundation
import MindIO
import MindImage
import MindTensor

/// The numbers of a run's `metrics.jsonl` (one JSON object per line, DESIGN.md §5) as series over the run:
/// x is the line's `epoch` (or `step`, `iteration`), else its line number; every other numeric key is a
/// series, with nil where a line does not have it (held-out scores logged only at checkpoints). Lines that
/// are not JSON objects — the cut-off last line of a killed run — are counted and skipped.
struct MetricsSeries {
    static let xKeys = ["epoch", "step", "iteration"]

    /// The key x comes from, or nil for line numbers.
    let xKey: String?
    let x: [Double]
    /// Numeric keys other than x, in order of first appearance.
    let keys: [String]
    let values: [String: [Double?]]
    let skippedLines: Int

    init(url: URL, context: String) throws {
        let text: String
        do {
            // As the figures are read: a device or FIFO is refused by name instead of read forever.
            text = String(decoding: try FileBytes.read(path: url.path, operation: "read"), as: UTF8.self)
        } catch let error as ImageError {
            throw TensorError("\(context): \(error)")
        }
        var rows: [[(key: String, value: Double)]] = []
        var skipped = 0
        // Any line ending (a file edited on Windows has \r\n, one Character in Swift, which "\n" does not split).
        for line in text.split(whereSeparator: \.isNewline) where !line.allSatisfy(\.isWhitespace) {
            guard case .object(let members)? = try? JSONValue.parse(String(line), context: "metrics") else { skipped += 1; continue }
            rows.append(members.compactMap { member in MetricsSeries.number(member.value).map { (member.key, $0) } })
        }
        let lookup = rows.map { Dictionary($0, uniquingKeysWith: { first, _ in first }) }
        let xKey = MetricsSeries.xKeys.first { key in !rows.isEmpty && lookup.allSatisfy { $0[key] != nil } }
        var keys: [String] = []
        for row in rows {
            for (key, _) in row where key != xKey && !keys.contains(key) { keys.append(key) }
        }
        self.xKey = xKey
        x = lookup.enumerated().map { i, row in xKey.flatMap { row[$0] } ?? Double(i + 1) }
        self.keys = keys
        values = Dictionary(uniqueKeysWithValues: keys.map { key in (key, lookup.map { $0[key] }) })
        skippedLines = skipped
    }

    /// Numbers, and null (how a non-finite value is logged) as NaN, which breaks a plotted line.
    static func number(_ value: JSONValue) -> Double? {
        switch value {
        case .number(let text): return Double(text)
        case .null: return .nan
        default: return nil
        }
    }
}
