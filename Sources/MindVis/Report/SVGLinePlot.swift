import Foundation
import MindImage

/// A line plot as inline SVG markup for the report: an axis box with grid lines, tick marks and values on
/// 1-2-5 steps (`LinePlot.ticks`, the PNG figures' rule), axis labels, a title, one polyline per series and a
/// legend when there are several. Missing values (nil) are stepped over; non-finite ones break the line. No
/// namespace URL and no external reference: browsers parse inline `<svg>` without one.
struct SVGLinePlot {
    struct Series {
        var name: String
        var x: [Double]
        var y: [Double?]
    }

    var title: String
    var xLabel: String
    var yLabel: String
    var series: [Series]
    var width = 380
    var height = 230

    static let colors = RGBColor.palette.map { String(format: "#%02x%02x%02x", $0.r, $0.g, $0.b) }

    /// The markup, or nil when no series has a finite value.
    func render() -> String? {
        let points = series.flatMap { s in zip(s.x, s.y).compactMap { x, y in y.flatMap { $0.isFinite && x.isFinite ? (x, $0) : nil } } }
        guard let first = points.first else { return nil }
        var (xLow, xHigh, yLow, yHigh) = (first.0, first.0, first.1, first.1)
        for (x, y) in points {
            (xLow, xHigh, yLow, yHigh) = (Swift.min(xLow, x), Swift.max(xHigh, x), Swift.min(yLow, y), Swift.max(yHigh, y))
        }
        // A series that varies by less than a millionth of its size is drawn flat, with a scale: stretched to the
        // plot's height its rounding noise looked like a large change. Spans are taken in halves (±1e308 overflow).
        func flat(_ low: Double, _ high: Double) -> Bool { high / 2 - low / 2 <= 5e-7 * Swift.max(Swift.abs(low), Swift.abs(high)) }
        if xLow == xHigh { (xLow, xHigh) = (xLow - 1, xHigh + 1) }
        if flat(yLow, yHigh) {
            let middle = yLow / 2 + yHigh / 2, pad = Swift.max(Swift.abs(middle) * 0.1, 1)
            (yLow, yHigh) = (middle - pad, middle + pad)
        } else {
            let pad = 0.05 * yHigh - 0.05 * yLow
            (yLow, yHigh) = (yLow - pad, yHigh + pad)
        }
        let area = (left: 58.0, right: Double(width) - 12, top: 28.0, bottom: Double(height) - 38)
        func px(_ x: Double) -> Double { area.left + (x / 2 - xLow / 2) / (xHigh / 2 - xLow / 2) * (area.right - area.left) }
        func py(_ y: Double) -> Double { area.bottom - (y / 2 - yLow / 2) / (yHigh / 2 - yLow / 2) * (area.bottom - area.top) }
        func f(_ v: Double) -> String { String(format: "%.1f", v) }
        let text = { (s: String) in HTMLText.escape(s) }

        var out = "<svg class=\"plot\" viewBox=\"0 0 \(width) \(height)\" width=\"\(width)\" height=\"\(height)\" role=\"img\" aria-label=\"\(text(title))\">"
        out += "<title>\(text(title))</title>"
        out += "<rect x=\"0\" y=\"0\" width=\"\(width)\" height=\"\(height)\" fill=\"#ffffff\"/>"
        let xTicks = LinePlot.ticks(xLow...xHigh, count: 5), yTicks = LinePlot.ticks(yLow...yHigh, count: 4)
        for t in yTicks {
            let y = py(t)
            out += "<line x1=\"\(f(area.left))\" y1=\"\(f(y))\" x2=\"\(f(area.right))\" y2=\"\(f(y))\" stroke=\"#e4e4e4\"/>"
            out += "<line x1=\"\(f(area.left - 4))\" y1=\"\(f(y))\" x2=\"\(f(area.left))\" y2=\"\(f(y))\" stroke=\"#333333\"/>"
            out += "<text x=\"\(f(area.left - 6))\" y=\"\(f(y + 3.5))\" text-anchor=\"end\" class=\"tick\">\(text(LinePlot.tickLabel(t, ticks: yTicks)))</text>"
        }
        for t in xTicks {
            let x = px(t)
            out += "<line x1=\"\(f(x))\" y1=\"\(f(area.top))\" x2=\"\(f(x))\" y2=\"\(f(area.bottom))\" stroke=\"#f0f0f0\"/>"
            out += "<line x1=\"\(f(x))\" y1=\"\(f(area.bottom))\" x2=\"\(f(x))\" y2=\"\(f(area.bottom + 4))\" stroke=\"#333333\"/>"
            out += "<text x=\"\(f(x))\" y=\"\(f(area.bottom + 15))\" text-anchor=\"middle\" class=\"tick\">\(text(LinePlot.tickLabel(t, ticks: xTicks)))</text>"
        }
        out += "<rect x=\"\(f(area.left))\" y=\"\(f(area.top))\" width=\"\(f(area.right - area.left))\" height=\"\(f(area.bottom - area.top))\" fill=\"none\" stroke=\"#333333\"/>"
        for (i, s) in series.enumerated() {
            let color = SVGLinePlot.colors[i % SVGLinePlot.colors.count]
            // Runs of finite values; a non-finite value ends a run, a missing one is stepped over.
            var runs: [[(Double, Double)]] = [[]]
            for (x, y) in zip(s.x, s.y) {
                guard let y else { continue }
                if y.isFinite && x.isFinite { runs[runs.count - 1].append((px(x), py(y))) } else if !runs[runs.count - 1].isEmpty { runs.append([]) }
            }
            for run in runs where !run.isEmpty {
                if run.count == 1 {
                    out += "<circle cx=\"\(f(run[0].0))\" cy=\"\(f(run[0].1))\" r=\"2.5\" fill=\"\(color)\"/>"
                } else {
                    let list = run.map { "\(f($0.0)),\(f($0.1))" }.joined(separator: " ")
                    out += "<polyline points=\"\(list)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.8\" stroke-linejoin=\"round\"/>"
                }
            }
            if series.count > 1 {
                let y = area.top + 12 + 14 * Double(i)
                out += "<line x1=\"\(f(area.right - 110))\" y1=\"\(f(y - 4))\" x2=\"\(f(area.right - 94))\" y2=\"\(f(y - 4))\" stroke=\"\(color)\" stroke-width=\"2\"/>"
                out += "<text x=\"\(f(area.right - 90))\" y=\"\(f(y))\" class=\"legend\">\(text(s.name))</text>"
            }
        }
        out += "<text x=\"\(f((area.left + area.right) / 2))\" y=\"16\" text-anchor=\"middle\" class=\"plot-title\">\(text(title))</text>"
        out += "<text x=\"\(f((area.left + area.right) / 2))\" y=\"\(height - 6)\" text-anchor=\"middle\" class=\"axis-label\">\(text(xLabel))</text>"
        let middle = f((area.top + area.bottom) / 2)
        out += "<text x=\"14\" y=\"\(middle)\" text-anchor=\"middle\" transform=\"rotate(-90 14 \(middle))\" class=\"axis-label\">\(text(yLabel))</text>"
        return out + "</svg>"
    }
}
