import Foundation

/// A table of numbers in the report: labelled rows, named value columns, notes under it. The constructors
/// below lay out the evaluation the way the issue asks: every score beside the ridge baseline, chance and the
/// ceiling.
public struct ReportTable: Sendable {
    public struct Row: Sendable {
        public var label: String
        /// The machine name shown beside the label (the `eval.json` key), if any.
        public var key: String?
        public var cells: [Double?]

        public init(label: String, key: String? = nil, cells: [Double?]) {
            (self.label, self.key, self.cells) = (label, key, cells)
        }
    }

    public var title: String
    public var columns: [String]
    public var rows: [Row]
    public var notes: [String]

    public init(title: String, columns: [String], rows: [Row], notes: [String] = []) {
        (self.title, self.columns, self.rows, self.notes) = (title, columns, rows, notes)
    }

    /// One row per score key (in the order the score sets give them), one column per named score set (e.g.
    /// generated, ridge baseline, VQ reconstruction as the ceiling), and chance last. A set that lacks a key
    /// shows a dash.
    public static func scores(title: String, columns: [(name: String, scores: ImageScores)], notes: [String] = []) -> ReportTable {
        var keys: [String] = [], chance: [String: Double] = [:]
        for (_, scores) in columns {
            for entry in scores.entries where !keys.contains(entry.key) {
                keys.append(entry.key)
                chance[entry.key] = entry.chance
            }
        }
        let rows = keys.map { key in
            Row(label: label(key), key: key,
                cells: columns.map { column in column.scores.entries.first { $0.key == key }?.value } + [chance[key]])
        }
        return ReportTable(title: title, columns: columns.map(\.name) + ["chance"], rows: rows, notes: notes)
    }

    /// The judge's own accuracy on held-out renderings, clean and VQ-reconstructed: the ceiling of the n-way
    /// scores of generated images.
    public static func judge(_ accuracy: JudgeAccuracy, title: String = "The judge's own accuracy") -> ReportTable {
        let a = accuracy
        let rows = [
            Row(label: "top-1 over all \(a.classes) classes", key: "judge_top1", cells: [a.top1, a.vqTop1, 1 / Double(Swift.max(a.classes, 1))]),
            Row(label: "\(a.ways)-way top-1 (true labels)", key: "judge_" + ImageScores.top1Key(ways: a.ways), cells: [a.nWay, a.vqNWay, 1 / Double(a.ways)]),
        ]
        return ReportTable(title: title, columns: ["clean renderings", "VQ-reconstructed", "chance"], rows: rows,
                           notes: ["\(a.images) held-out renderings (never the dataset's images). A generated image passes through the VQ decoder, so the VQ-reconstructed column is its ceiling."])
    }

    /// A reader's name for a score key.
    static func label(_ key: String) -> String {
        if key.hasPrefix("top1_"), key.hasSuffix("way_max") {
            return "\(key.dropFirst(5).dropLast(7))-way top-1, best sample column"
        }
        if key.hasPrefix("top1_"), key.hasSuffix("way") {
            return "\(key.dropFirst(5).dropLast(3))-way top-1, mean of sample columns"
        }
        if let metric = PairwiseMetric(rawValue: String(key.dropFirst("pairwise_".count))), key.hasPrefix("pairwise_") {
            return "pair-wise identification by \(metric.rawValue.uppercased())"
        }
        return key
    }

    func html() -> String {
        let e = HTMLText.escape
        var out = "<table><caption>\(e(title))</caption><thead><tr><th scope=\"col\">metric</th>"
        out += columns.map { "<th scope=\"col\">\(e($0))</th>" }.joined() + "</tr></thead><tbody>"
        for row in rows {
            out += "<tr><th scope=\"row\">\(e(row.label))" + (row.key.map { " <code>\(e($0))</code>" } ?? "") + "</th>"
            out += row.cells.map { cell in cell.map { "<td>\($0.isFinite ? String(format: "%.3f", $0) : "—")</td>" } ?? "<td class=\"missing\">—</td>" }.joined()
            out += "</tr>"
        }
        out += "</tbody></table>"
        return out + notes.map { "<p class=\"note\">\(e($0))</p>" }.joined()
    }
}
