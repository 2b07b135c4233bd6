import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A minimal line-plot renderer into an RGB image: an axis box with tick marks and their values, an optional title
/// and axis labels (a 5×7 bitmap font), any number of anti-aliased polylines, and shaded x-ranges behind them —
/// enough for the MAE figure "true vs reconstructed voxel trace, masked patches shaded". Non-finite values break
/// a line.
public struct LinePlot: Sendable {
    public struct Series: Sendable {
        public var values: [Float]
        /// x coordinates; nil means 0, 1, 2, ...
        public var x: [Float]?
        public var color: RGBColor
        public var lineWidth: Float

        public init(values: [Float], x: [Float]? = nil, color: RGBColor, lineWidth: Float = 1.5) {
            self.values = values
            self.x = x
            self.color = color
            self.lineWidth = lineWidth
        }
    }

    public var width: Int
    public var height: Int
    public var series: [Series] = []
    /// Ranges in x data units, filled with `shadeColor` across the full plot height.
    public var shadedXRanges: [ClosedRange<Float>] = []
    public var shadeColor: RGBColor = .lightGray
    public var background: RGBColor = .white
    public var axisColor: RGBColor = .black
    /// Fixed axis ranges; nil fits the data (y with 5% headroom).
    public var xRange: ClosedRange<Float>? = nil
    public var yRange: ClosedRange<Float>? = nil
    /// Approximate number of tick intervals per axis (ticks land on 1-2-5 multiples).
    public var tickCount = 5
    public var margin = 12
    public var tickLength = 4
    /// Text above the plot, and the axis names (the y label sits above the axis, left-aligned).
    public var title: String?
    public var xLabel: String?
    public var yLabel: String?
    /// Whether tick values are written beside the ticks.
    public var showsTickValues = true

    public init(width: Int = 800, height: Int = 240) {
        self.width = width
        self.height = height
    }

    /// Adds a series; without a colour the next palette colour is used.
    public mutating func addSeries(_ values: [Float], x: [Float]? = nil, color: RGBColor? = nil, lineWidth: Float = 1.5) {
        let c = color ?? RGBColor.palette[series.count % RGBColor.palette.count]
        series.append(Series(values: values, x: x, color: c, lineWidth: lineWidth))
    }

    public func save(to path: String) throws {
        try PNG.write(render(), to: path)
    }

    public func render() throws -> Image {
        let inset = margin + tickLength
        guard width >= 2 * inset + 8, height >= 2 * inset + 8, width <= 8192, height <= 8192 else {
            throw ImageError("plot: size \(width)x\(height) must be between \(2 * inset + 8) and 8192 pixels per side")
        }
        guard margin >= 0, tickLength >= 0, tickCount > 0 else {
            throw ImageError("plot: margin and tickLength must be non-negative and tickCount positive")
        }
        for (i, s) in series.enumerated() {
            guard !s.values.isEmpty else { throw ImageError("plot: series \(i) has no values") }
            if let x = s.x, x.count != s.values.count {
                throw ImageError("plot: series \(i) has \(s.values.count) values but \(x.count) x coordinates")
            }
            guard s.lineWidth.isFinite, s.lineWidth > 0 else {
                throw ImageError("plot: series \(i) line width must be positive, got \(s.lineWidth)")
            }
        }
        for r in shadedXRanges where !(r.lowerBound.isFinite && r.upperBound.isFinite) {
            throw ImageError("plot: shaded range \(r) is not finite")
        }
        let xs = try xRange ?? fittedXRange()
        let ys = try yRange ?? fittedYRange()
        guard xs.lowerBound.isFinite, xs.upperBound.isFinite, xs.lowerBound < xs.upperBound,
              ys.lowerBound.isFinite, ys.upperBound.isFinite, ys.lowerBound < ys.upperBound else {
            throw ImageError("plot: axis ranges must be finite and non-empty, got x \(xs), y \(ys)")
        }

        var canvas = Canvas(width: width, height: height, color: background)
        let xTicks = LinePlot.ticks(Double(xs.lowerBound)...Double(xs.upperBound), count: tickCount)
        let yTicks = LinePlot.ticks(Double(ys.lowerBound)...Double(ys.upperBound), count: tickCount)
        let yTickLabels = showsTickValues ? yTicks.map { LinePlot.tickLabel($0, ticks: yTicks) } : []
        let xTickLabels = showsTickValues ? xTicks.map { LinePlot.tickLabel($0, ticks: xTicks) } : []
        let lineHeight = BitmapFont.height + 4
        let labelColumn = yTickLabels.map { BitmapFont.width(of: $0, scale: 1) }.max().map { $0 + 3 } ?? 0
        let topText = (title != nil || yLabel != nil) ? lineHeight : 0
        let bottomText = (xTickLabels.isEmpty ? 0 : lineHeight) + (xLabel != nil ? lineHeight : 0)
        // Plot area in continuous pixel coordinates (pixel (i, j) covers [i, i+1) x [j, j+1)).
        let area = (left: Float(margin + tickLength + labelColumn), right: Float(width - margin),
                    top: Float(margin + topText), bottom: Float(height - margin - tickLength - bottomText))
        guard area.right - area.left >= 8, area.bottom - area.top >= 8 else {
            throw ImageError("plot: \(width)x\(height) leaves no room for the plot area after the labels")
        }
        let sx = (area.right - area.left) / (xs.upperBound - xs.lowerBound)
        let sy = (area.bottom - area.top) / (ys.upperBound - ys.lowerBound)
        func px(_ x: Float) -> Float { area.left + (x - xs.lowerBound) * sx }
        func py(_ y: Float) -> Float { area.bottom - (y - ys.lowerBound) * sy }
        let clip = (x0: Int(area.left), x1: Int(area.right), y0: Int(area.top), y1: Int(area.bottom))

        for r in shadedXRanges {
            let a = max(px(r.lowerBound), area.left)
            let b = min(px(r.upperBound), area.right)
            guard b > a else { continue }
            let columns = max(Int(a), clip.x0)..<max(min(Int(b.rounded(.up)), clip.x1), max(Int(a), clip.x0))
            for x in columns {
                let coverage = min(b, Float(x + 1)) - max(a, Float(x))
                for y in clip.y0..<clip.y1 { canvas.blend(x: x, y: y, color: shadeColor, alpha: coverage) }
            }
        }

        for s in series {
            var coverage = [Float](repeating: 0, count: width * height)
            let half = s.lineWidth / 2
            var previous: (Float, Float)? = nil
            for i in 0..<s.values.count {
                let xv = s.x?[i] ?? Float(i)
                let yv = s.values[i]
                guard xv.isFinite, yv.isFinite else {
                    previous = nil
                    continue
                }
                let point = (px(xv), py(yv))
                drawSegment(from: previous ?? point, to: point, halfWidth: half, clip: clip, coverage: &coverage)
                previous = point
            }
            for y in clip.y0..<clip.y1 {
                for x in clip.x0..<clip.x1 where coverage[y * width + x] > 0 {
                    canvas.blend(x: x, y: y, color: s.color, alpha: coverage[y * width + x])
                }
            }
        }

        // Axis box along the plot-area edges, then outward tick marks.
        let boxRight = clip.x1 - 1
        let boxBottom = clip.y1 - 1
        for x in clip.x0...boxRight {
            canvas.set(x: x, y: clip.y0, color: axisColor)
            canvas.set(x: x, y: boxBottom, color: axisColor)
        }
        for y in clip.y0...boxBottom {
            canvas.set(x: clip.x0, y: y, color: axisColor)
            canvas.set(x: boxRight, y: y, color: axisColor)
        }
        for (i, t) in xTicks.enumerated() {
            let x = min(max(Int(px(Float(t))), clip.x0), boxRight)
            for y in (boxBottom + 1)..<(boxBottom + 1 + tickLength) { canvas.set(x: x, y: y, color: axisColor) }
            if i < xTickLabels.count {
                let w = BitmapFont.width(of: xTickLabels[i], scale: 1)
                canvas.drawText(xTickLabels[i], x: min(max(x - w / 2, 0), width - w), y: boxBottom + tickLength + 3, color: axisColor)
            }
        }
        for (i, t) in yTicks.enumerated() {
            let y = min(max(Int(py(Float(t))), clip.y0), boxBottom)
            for x in (clip.x0 - tickLength)..<clip.x0 { canvas.set(x: x, y: y, color: axisColor) }
            if i < yTickLabels.count {
                let w = BitmapFont.width(of: yTickLabels[i], scale: 1)
                canvas.drawText(yTickLabels[i], x: clip.x0 - tickLength - 2 - w, y: y - BitmapFont.height / 2, color: axisColor)
            }
        }
        if let yLabel { canvas.drawText(yLabel, x: margin, y: margin, color: axisColor) }
        if let title {
            let w = BitmapFont.width(of: title, scale: 1)
            canvas.drawText(title, x: max((width - w) / 2, margin + (yLabel.map { BitmapFont.width(of: $0, scale: 1) + 12 } ?? 0)),
                            y: margin, color: axisColor)
        }
        if let xLabel {
            let w = BitmapFont.width(of: xLabel, scale: 1)
            canvas.drawText(xLabel, x: Int(area.left + area.right) / 2 - w / 2, y: height - margin - BitmapFont.height, color: axisColor)
        }
        return canvas.image
    }

    /// Adds the anti-aliased coverage of a round-capped segment (a capsule), keeping the maximum so that
    /// joints of a polyline are not darkened twice.
    private func drawSegment(from a: (Float, Float), to b: (Float, Float), halfWidth: Float,
                             clip: (x0: Int, x1: Int, y0: Int, y1: Int), coverage: inout [Float]) {
        let reach = halfWidth + 1
        let xLo = max(Int((min(a.0, b.0) - reach).rounded(.down)), clip.x0)
        let xHi = min(Int((max(a.0, b.0) + reach).rounded(.up)), clip.x1)
        let yLo = max(Int((min(a.1, b.1) - reach).rounded(.down)), clip.y0)
        let yHi = min(Int((max(a.1, b.1) + reach).rounded(.up)), clip.y1)
        guard xLo < xHi, yLo < yHi else { return }
        let dx = b.0 - a.0
        let dy = b.1 - a.1
        let length2 = dx * dx + dy * dy
        for y in yLo..<yHi {
            let cy = Float(y) + 0.5
            for x in xLo..<xHi {
                let cx = Float(x) + 0.5
                var t: Float = 0
                if length2 > 0 { t = min(max(((cx - a.0) * dx + (cy - a.1) * dy) / length2, 0), 1) }
                let ex = cx - (a.0 + t * dx)
                let ey = cy - (a.1 + t * dy)
                let c = min(max(halfWidth + 0.5 - (ex * ex + ey * ey).squareRoot(), 0), 1)
                let k = y * width + x
                if c > coverage[k] { coverage[k] = c }
            }
        }
    }

    private func fittedXRange() throws -> ClosedRange<Float> {
        var lo = Float.infinity
        var hi = -Float.infinity
        for s in series {
            if let x = s.x {
                for v in x where v.isFinite {
                    lo = min(lo, v)
                    hi = max(hi, v)
                }
            } else {
                lo = min(lo, 0)
                hi = max(hi, Float(s.values.count - 1))
            }
        }
        for r in shadedXRanges {
            lo = min(lo, r.lowerBound)
            hi = max(hi, r.upperBound)
        }
        guard lo.isFinite, hi.isFinite else { throw ImageError("plot: nothing to plot (no series and no shaded ranges)") }
        return lo < hi ? lo...hi : (lo - 0.5)...(hi + 0.5)
    }

    private func fittedYRange() throws -> ClosedRange<Float> {
        var lo = Float.infinity
        var hi = -Float.infinity
        for s in series {
            for v in s.values where v.isFinite {
                lo = min(lo, v)
                hi = max(hi, v)
            }
        }
        guard lo.isFinite, hi.isFinite else { return -1...1 }
        guard lo < hi else { return (lo - 1)...(hi + 1) }
        let pad = 0.05 * (hi - lo)
        return (lo - pad)...(hi + pad)
    }

    /// A tick value with as many decimals as the tick step needs (`0.25`, `2000`, `-1.5`); steps that need more than
    /// 6 decimals and values from 10^7 are written in exponent form. In Double: the report plots logged metrics a
    /// Float cannot hold.
    public static func tickLabel(_ value: Double, ticks: [Double]) -> String {
        let step = ticks.count > 1 ? Swift.abs(ticks[1] - ticks[0]) : 1
        if step < 1e-6 || ticks.contains(where: { Swift.abs($0) >= 1e7 }) { return String(format: "%.3g", value) }
        // The fewest decimals that write the step exactly (0.25 needs two, 0.5 one, 2000 none).
        let decimals = (0...6).first { d in
            let scaled = step * pow(10, Double(d))
            return Swift.abs(scaled - scaled.rounded()) < 1e-6 * Swift.max(1, scaled)
        } ?? 6
        let text = String(format: "%.\(decimals)f", value)
        return text.hasPrefix("-") && Double(text) == 0 ? String(text.dropFirst()) : text
    }

    /// Tick positions at multiples of a 1-2-5 step giving about `count` intervals; the span is taken in halves so
    /// that ±1e308 do not overflow it.
    public static func ticks(_ range: ClosedRange<Double>, count: Int) -> [Double] {
        let halfSpan = range.upperBound / 2 - range.lowerBound / 2
        let raw = 2 * (halfSpan / Double(count))
        guard raw.isFinite, raw > 0 else { return [] }
        let magnitude = pow(10, (log10(raw)).rounded(.down))
        let normalized = raw / magnitude
        let step = (normalized < 1.5 ? 1 : normalized < 3 ? 2 : normalized < 7 ? 5 : 10) * magnitude
        var ticks: [Double] = []
        var k = (range.lowerBound / step).rounded(.up)
        while k * step <= range.upperBound + 2e-9 * halfSpan, ticks.count < 1000 {
            ticks.append(k * step)
            k += 1
        }
        return ticks
    }
}
