import Foundation
import MindImage
import MindTensor
import XCTest
@testable import MindVis

/// A report like the pipeline's: two stages with metrics logs and figures, the metrics tables, config, timings.
enum ReportTestData {
    static let plotsPerReport = 4
    static let imagesPerReport = 3

    static func report(in dir: URL) throws -> RunReport {
        let log = dir.appendingPathComponent("stageA/metrics.jsonl")
        try FileManager.default.createDirectory(at: log.deletingLastPathComponent(), withIntermediateDirectories: true)
        var lines = (1...12).map { e in "{\"epoch\": \(e), \"loss\": \(1.0 / Double(e)), \"cor\": \(0.05 * Double(e)), \"seconds\": 3.5}" }
        lines[3] = "{\"epoch\": 4, \"loss\": \(0.25), \"cor\": 0.2, \"seconds\": 3.5, \"eval_cor\": 0.18}"
        lines[11] = "{\"epoch\": 12, \"loss\": 0.08, \"cor\": 0.6, \"seconds\": 3.5, \"eval_cor\": 0.5}"
        try (lines.joined(separator: "\n") + "\n{\"epoch\": 13, \"lo").write(to: log, atomically: true, encoding: .utf8)
        let vqLog = dir.appendingPathComponent("vq/metrics.jsonl")
        try FileManager.default.createDirectory(at: vqLog.deletingLastPathComponent(), withIntermediateDirectories: true)
        try (1...5).map { "{\"epoch\": \($0), \"loss\": \(0.3 - 0.04 * Double($0)), \"rec_loss\": \(0.25 - 0.04 * Double($0))}" }
            .joined(separator: "\n").write(to: vqLog, atomically: true, encoding: .utf8)

        let grid = dir.appendingPathComponent("samples.png")
        let tiles = try (0..<12).map { i in try Image(width: 16, height: 16, channels: 3, fill: [UInt8(20 * i), 90, UInt8(255 - 20 * i)]) }
        try ImageGrid.save(tiles, columns: 6, to: grid.path)

        let report = RunReport(title: "MindVis run <demo> & \"friends\"", notes: ["Built-in data, small presets."])
        let truth = try EvaluationTestData.images(count: 8, size: 16, seed: 1)
        let judge = try PrototypeJudge(truth)
        let evaluation = ImageEvaluation(classification: NWayClassification(ways: 4, trials: 20))
        let generated = try evaluation.evaluate(groundTruth: truth, samples: EvaluationTestData.noisy(truth, std: 0.1, seed: 2), judge: judge)
        let ridge = try evaluation.evaluate(groundTruth: truth, samples: EvaluationTestData.noisy(truth, std: 0.4, seed: 3), judge: judge)
        report.addTable(.scores(title: "Test images", columns: [("generated", generated), ("ridge baseline", ridge)]))
        report.addTable(.judge(try JudgeAccuracy.measure(judge: judge, images: truth, labels: Array(0..<8), classification: NWayClassification(ways: 4))))
        report.addStage(ReportStage(name: "Stage A1 <MBM>", notes: ["Masked brain modelling."], metrics: log,
                                    plots: [["loss"], ["cor", "eval_cor"]], figures: [ReportFigure(caption: "samples: ground truth first", source: .file(grid))]))
        report.addStage(ReportStage(name: "VQ", metrics: vqLog,
                                    figures: [ReportFigure(caption: "a tile", source: .image(tiles[3]), scale: 4),
                                              ReportFigure(caption: "the grid again", source: .file(grid), scale: 1)]))
        report.addConfig("seed", "2022")
        report.addConfig([("lr", .double(1e-3)), ("preset", .string("small")), ("clip", .list([.double(.nan), .double(-.infinity)]))],
                         prefix: "vq.")
        try report.addTiming("stage A1", seconds: 42)
        try report.addTiming("VQ", seconds: 3725)
        return report
    }

    /// Every match of `pattern` in `text` (first capture group, or the whole match).
    static func matches(_ pattern: String, in text: String) throws -> [String] {
        let regex = try NSRegularExpression(pattern: pattern, options: [.dotMatchesLineSeparators])
        return regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).map { m in
            let range = m.numberOfRanges > 1 ? m.range(at: 1) : m.range
            return String(text[Range(range, in: text)!])
        }
    }
}

final class RunReportTests: XCTestCase {
    func testSelfContainedStructure() throws {
        let dir = try temporaryDirectory()
        let url = dir.appendingPathComponent("report.html")
        try ReportTestData.report(in: dir).write(to: url)
        let html = try String(contentsOf: url, encoding: .utf8)
        XCTAssertTrue(html.hasPrefix("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"))
        XCTAssertTrue(html.hasSuffix("</body></html>\n"))

        // Nothing outside the file: every image a data URI, no other src, links only to the page's own anchors,
        // no URL scheme anywhere, a policy that forbids every fetch.
        let sources = try ReportTestData.matches("<img [^>]*src=\"([^\"]*)\"", in: html)
        XCTAssertEqual(sources.count, ReportTestData.imagesPerReport)
        XCTAssertTrue(sources.allSatisfy { $0.hasPrefix("data:image/png;base64,") })
        XCTAssertEqual(try ReportTestData.matches("src=", in: html).count, sources.count)
        XCTAssertTrue(try ReportTestData.matches("href=\"([^\"]*)\"", in: html).allSatisfy { $0.hasPrefix("#") })
        let text = try NSRegularExpression(pattern: "data:image/png;base64,[A-Za-z0-9+/=]*")
            .stringByReplacingMatches(in: html, range: NSRange(html.startIndex..., in: html), withTemplate: "data:")
        XCTAssertFalse(text.lowercased().contains("http:") || text.lowercased().contains("https:") || text.contains("//"), "no URL outside the data URIs")
        XCTAssertFalse(html.contains("@import") || html.contains("url("))
        let policy = try XCTUnwrap(ReportTestData.matches("<meta http-equiv=\"Content-Security-Policy\" content=\"([^\"]*)\">", in: html).first)
        XCTAssertTrue(policy.hasPrefix("default-src 'none'; img-src data:;"), "nothing is fetched but data: images")
        XCTAssertEqual(try ReportTestData.matches("<script", in: html).count, 1, "the self-check is the only script")

        // Plots: the two chosen for stage A (the cut-off last log line skipped and said so), one per key for the VQ.
        XCTAssertEqual(try ReportTestData.matches("<svg class=\"plot\"", in: html).count, ReportTestData.plotsPerReport)
        XCTAssertTrue(html.contains("1 line(s) of metrics.jsonl were not JSON objects"))
        XCTAssertTrue(html.contains("aria-label=\"cor, eval_cor\""))
        XCTAssertTrue(html.contains(">epoch</text>"), "x axis label")
        XCTAssertTrue(html.contains("class=\"legend\">eval_cor</text>"))
        XCTAssertFalse(html.contains("aria-label=\"seconds\""), "timings are not plotted")

        // Tables with chance beside every number, escaped text, config and timings.
        XCTAssertTrue(html.contains("<th scope=\"col\">generated</th><th scope=\"col\">ridge baseline</th><th scope=\"col\">chance</th>"))
        XCTAssertTrue(html.contains("4-way top-1, mean of sample columns <code>top1_4way</code></th><td>"))
        XCTAssertTrue(html.contains("<td>0.250</td></tr>"), "4-way chance")
        XCTAssertTrue(html.contains("<td>0.500</td></tr>"), "pair-wise chance")
        XCTAssertTrue(html.contains("<h1>MindVis run &lt;demo&gt; &amp; &quot;friends&quot;</h1>"))
        XCTAssertTrue(html.contains("<h2>Stage A1 &lt;MBM&gt;</h2>"))
        XCTAssertFalse(html.contains("<MBM>"))
        XCTAssertTrue(html.contains("<code>vq.lr</code></th><td><code>0.001</code>"))
        XCTAssertTrue(html.contains("<code>vq.clip</code></th><td><code>[nan, -inf]</code>"), "not JSON's null")
        XCTAssertTrue(html.contains("<th scope=\"row\">total</th><td>3767.0</td><td>1:02:47</td>"))
        XCTAssertEqual(try ReportTestData.matches("<section id=\"", in: html).count, 5, "metrics, two stages, config, timings")
    }

    func testErrorsNameTheStageAndTheFile() throws {
        let dir = try temporaryDirectory()
        let report = RunReport(title: "t")
        report.addStage(ReportStage(name: "LDM", figures: [ReportFigure(caption: "grid", source: .file(dir.appendingPathComponent("none.png")))]))
        XCTAssertThrowsError(try report.html()) { error in XCTAssertTrue("\(error)".contains("stage 'LDM': figure 'grid'"), "\(error)") }
        let notImage = dir.appendingPathComponent("x.png")
        try "not an image".write(to: notImage, atomically: true, encoding: .utf8)
        let second = RunReport(title: "t")
        second.addStage(ReportStage(name: "B", figures: [ReportFigure(caption: "g", source: .file(notImage))]))
        XCTAssertThrowsError(try second.html()) { error in XCTAssertTrue("\(error)".contains("neither a PNG nor a JPEG"), "\(error)") }
        let log = dir.appendingPathComponent("metrics.jsonl")
        try "{\"epoch\": 1, \"loss\": 2}\n".write(to: log, atomically: true, encoding: .utf8)
        let third = RunReport(title: "t")
        third.addStage(ReportStage(name: "C", metrics: log, plots: [["los"]]))
        XCTAssertThrowsError(try third.html()) { error in XCTAssertTrue("\(error)".contains("no numeric 'los' (keys: loss)"), "\(error)") }
        XCTAssertThrowsError(try third.addTiming("x", seconds: -1))
    }
}
