import Foundation
import MindTensor

/// One section of the report: a pipeline stage with its notes, loss curves drawn from its `metrics.jsonl`, and
/// its figures (reconstruction grids, sample grids with the ground truth first).
public struct ReportStage {
    public var name: String
    public var notes: [String]
    /// The stage's `metrics.jsonl`, if it logged one.
    public var metrics: URL?
    /// Plots of the metrics, each a list of keys drawn together (e.g. `["loss", "eval_loss"]`); empty: one plot
    /// per numeric key, except timings.
    public var plots: [[String]]
    public var figures: [ReportFigure]

    public init(name: String, notes: [String] = [], metrics: URL? = nil, plots: [[String]] = [], figures: [ReportFigure] = []) {
        (self.name, self.notes, self.metrics, self.plots, self.figures) = (name, notes, metrics, plots, figures)
    }

    /// Timings are in the report's own table; their curves say nothing about the model.
    static func isTiming(_ key: String) -> Bool { key.hasSuffix("seconds") || key.hasSuffix("per_second") }

    func html(anchor: String) throws -> String {
        let e = HTMLText.escape
        let context = "report: stage '\(name)'"
        var out = "<section id=\"\(anchor)\"><h2>\(e(name))</h2>" + notes.map { "<p>\(e($0))</p>" }.joined()
        if let metrics {
            let series = try MetricsSeries(url: metrics, context: context)
            let groups = plots.isEmpty ? series.keys.filter { !ReportStage.isTiming($0) }.map { [$0] } : plots
            var svgs: [String] = []
            for keys in groups {
                if let unknown = keys.first(where: { series.values[$0] == nil }) {
                    throw TensorError("\(context): \(metrics.lastPathComponent) has no numeric '\(unknown)' (keys: \(series.keys.joined(separator: ", ")))")
                }
                let plot = SVGLinePlot(title: keys.joined(separator: ", "), xLabel: series.xKey ?? "line", yLabel: keys.count == 1 ? keys[0] : "value",
                                       series: keys.map { SVGLinePlot.Series(name: $0, x: series.x, y: series.values[$0]!) })
                if let svg = plot.render() { svgs.append("<figure class=\"plot\">\(svg)</figure>") }
            }
            out += "<h3>Curves</h3>"
            out += svgs.isEmpty ? "<p class=\"note\">\(e(metrics.lastPathComponent)) holds no finite numbers yet.</p>" : "<div class=\"plots\">" + svgs.joined() + "</div>"
            if series.skippedLines > 0 {
                out += "<p class=\"note\">\(series.skippedLines) line(s) of \(e(metrics.lastPathComponent)) were not JSON objects and were skipped.</p>"
            }
        }
        if !figures.isEmpty {
            out += "<h3>Figures</h3>"
            for figure in figures {
                guard figure.scale.isFinite, figure.scale > 0, figure.scale <= 64 else {
                    throw TensorError("\(context): figure '\(figure.caption)' needs a scale in (0, 64], got \(figure.scale)")
                }
                let data: DataURI
                switch figure.source {
                case .file(let url): data = try DataURI(file: url, context: "\(context): figure '\(figure.caption)'")
                case .image(let image): data = try DataURI(image: image, context: "\(context): figure '\(figure.caption)'")
                }
                let w = Int((Double(data.width) * figure.scale).rounded()), h = Int((Double(data.height) * figure.scale).rounded())
                out += "<figure class=\"image\"><img src=\"\(data.uri)\" width=\"\(w)\" height=\"\(h)\" alt=\"\(e(figure.caption))\">"
                out += "<figcaption>\(e(figure.caption))</figcaption></figure>"
            }
        }
        return out + "</section>"
    }
}
