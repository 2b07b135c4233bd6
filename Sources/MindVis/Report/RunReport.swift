import Foundation
import MindIO
import MindTensor

/// The run report: one self-contained HTML file telling the whole story of a pipeline run — the metrics tables
/// (every score beside the ridge baseline, chance and the ceiling), one section per stage (curves from its
/// `metrics.jsonl` as inline SVG, figures as base64 PNG `data:` URIs), the config and the timings.
///
/// It loads nothing: a Content-Security-Policy meta tag forbids every fetch (`default-src 'none'`) and admits
/// only `data:` images and the page's own inline style sheet and script (escaping keeps data from becoming markup). The
/// script is a self-check run at load: it counts the figures that decoded, the plots, the outside loads the page
/// attempted (resource-timing entries other than `data:`, blocked ones included) and the loads the policy
/// blocked, shows the result at the bottom of the page and sets them as `data-` attributes on `<body>` (what the
/// headless-browser test reads). The builder is filled by the pipeline, then
/// `write` renders and writes the file atomically.
public final class RunReport {
    public var title: String
    /// Paragraphs under the title (what was run, on which data).
    public var notes: [String]
    public private(set) var tables: [ReportTable] = []
    public private(set) var stages: [ReportStage] = []
    public private(set) var config: [(key: String, value: String)] = []
    public private(set) var timings: [(name: String, seconds: Double)] = []

    public init(title: String, notes: [String] = []) {
        (self.title, self.notes) = (title, notes)
    }

    public func addTable(_ table: ReportTable) { tables.append(table) }
    public func addStage(_ stage: ReportStage) { stages.append(stage) }
    public func addConfig(_ key: String, _ value: String) { config.append((key, value)) }

    /// Config values as text (`ConfigValue.shown`), each key prefixed (e.g. `vq.` for the first stage's settings).
    public func addConfig(_ values: [(String, ConfigValue)], prefix: String = "") {
        for (key, value) in values { config.append((prefix + key, value.shown)) }
    }

    public func addTiming(_ name: String, seconds: Double) throws {
        guard seconds.isFinite, seconds >= 0 else { throw TensorError("report: timing '\(name)' must be a non-negative number of seconds, got \(seconds)") }
        timings.append((name, seconds))
    }

    /// Renders and writes the report atomically (readers see the old file or the whole new one).
    public func write(to url: URL) throws {
        try AtomicFile.write(Array(try html().utf8), to: url)
    }

    /// The whole document.
    public func html() throws -> String {
        let e = HTMLText.escape
        let anchors = stages.enumerated().map { HTMLText.anchor($0.element.name, index: $0.offset + 1) }
        var body = "<header><h1>\(e(title))</h1>" + notes.map { "<p>\(e($0))</p>" }.joined() + "</header>"
        var contents: [(String, String)] = []
        if !tables.isEmpty { contents.append(("metrics", "Metrics")) }
        contents += zip(anchors, stages.map(\.name))
        if !config.isEmpty { contents.append(("config", "Config")) }
        if !timings.isEmpty { contents.append(("timings", "Timings")) }
        body += "<nav><ol>" + contents.map { "<li><a href=\"#\($0.0)\">\(e($0.1))</a></li>" }.joined() + "</ol></nav>"
        if !tables.isEmpty { body += "<section id=\"metrics\"><h2>Metrics</h2>" + tables.map { $0.html() }.joined() + "</section>" }
        for (stage, anchor) in zip(stages, anchors) { body += try stage.html(anchor: anchor) }
        if !config.isEmpty {
            body += "<section id=\"config\"><h2>Config</h2><table class=\"config\"><tbody>"
            body += config.map { "<tr><th scope=\"row\"><code>\(e($0.key))</code></th><td><code>\(e($0.value))</code></td></tr>" }.joined()
            body += "</tbody></table></section>"
        }
        if !timings.isEmpty {
            let total = timings.reduce(0) { $0 + $1.seconds }
            body += "<section id=\"timings\"><h2>Timings</h2><table class=\"timings\"><thead><tr><th scope=\"col\">stage</th><th scope=\"col\">seconds</th><th scope=\"col\">time</th></tr></thead><tbody>"
            for (name, seconds) in timings + [("total", total)] {
                body += "<tr><th scope=\"row\">\(e(name))</th><td>\(String(format: "%.1f", seconds))</td><td>\(Progress.clock(seconds))</td></tr>"
            }
            body += "</tbody></table></section>"
        }
        body += "<footer><p id=\"self-check\">Self-check: needs JavaScript.</p></footer>"
        let policy = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"
        return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            + "<meta http-equiv=\"Content-Security-Policy\" content=\"\(policy)\">"
            + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            + "<title>\(e(title))</title><style>\(RunReport.style)</style><script>\(RunReport.script)</script></head>\n"
            + "<body>\(body)</body></html>\n"
    }

    static let style = """
    body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;max-width:1200px;padding:0 24px 48px;color:#1a1a1a;line-height:1.45}\
    h1{margin:24px 0 8px}h2{border-bottom:1px solid #ddd;padding-bottom:4px;margin-top:36px}h3{margin:20px 0 8px;font-size:1.05em}\
    nav ol{display:flex;flex-wrap:wrap;gap:4px 20px;list-style:none;padding:0}\
    table{border-collapse:collapse;margin:12px 0;font-variant-numeric:tabular-nums}caption{text-align:left;font-weight:600;padding:4px 0}\
    th,td{border:1px solid #ddd;padding:4px 10px}td{text-align:right}th[scope=row]{text-align:left;font-weight:normal}\
    thead th{background:#f4f4f4}td.missing{color:#999}code{font-size:.9em;color:#555}table.config td{text-align:left}\
    .note{color:#555;font-size:.92em}.plots{display:flex;flex-wrap:wrap;gap:12px}figure{margin:0}\
    figure.plot{border:1px solid #eee}figure.image{margin:12px 0}figure.image img{image-rendering:pixelated;max-width:100%;height:auto}\
    figcaption{color:#555;font-size:.92em}svg text{font-family:system-ui,sans-serif;fill:#333}svg .tick{font-size:10px}\
    svg .legend{font-size:10px}svg .plot-title{font-size:12px;font-weight:600}svg .axis-label{font-size:11px}\
    footer{margin-top:40px;color:#555;font-size:.9em}
    """

    static let script = """
    "use strict";var blocked=0;document.addEventListener("securitypolicyviolation",function(){blocked+=1;});\
    window.addEventListener("load",function(){var images=Array.prototype.slice.call(document.images);\
    var loaded=images.filter(function(i){return i.complete&&i.naturalWidth>0;}).length;\
    var plots=document.querySelectorAll("svg.plot").length;\
    var fetched=performance.getEntriesByType("resource").filter(function(r){return r.name.indexOf("data:")!==0;}).length;\
    var b=document.body;b.setAttribute("data-images-loaded",String(loaded));b.setAttribute("data-images",String(images.length));\
    b.setAttribute("data-plots",String(plots));b.setAttribute("data-requests",String(fetched));b.setAttribute("data-blocked",String(blocked));\
    document.getElementById("self-check").textContent="Self-check: "+loaded+" of "+images.length+" figures loaded, "+plots+\
    " plots, "+fetched+" outside loads attempted, "+blocked+" blocked by the content security policy.";});
    """
}
