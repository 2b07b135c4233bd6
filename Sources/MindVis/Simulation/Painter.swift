import Foundation

/// An RGB float image (HWC, values in [0, 1]) being painted.
struct Canvas {
    let size: Int
    var rgb: [Float]

    init(size: Int, fill: (Float, Float, Float)) {
        self.size = size
        rgb = [Float](repeating: 0, count: size * size * 3)
        for p in 0..<(size * size) {
            rgb[3 * p] = fill.0
            rgb[3 * p + 1] = fill.1
            rgb[3 * p + 2] = fill.2
        }
    }
}

/// A surface pattern in object coordinates. `period` is in object units; phases are in periods.
struct Pattern: Sendable {
    var kind: TextureKind
    var period: Float
    var angle: Float
    var phaseX: Float
    var phaseY: Float

    static let plain = Pattern(kind: .plain, period: 1, angle: 0, phaseX: 0, phaseY: 0)

    /// Weight of the primary colour at object point (u, v), anti-aliased over one pixel
    /// (`pixelsPerUnit` converts object units to pixels).
    @inline(__always)
    func value(_ u: Float, _ v: Float, pixelsPerUnit: Float) -> Float {
        if kind == .plain { return 1 }
        let c = cos(angle)
        let s = sin(angle)
        let a = (u * c + v * s) / period + phaseX
        let b = (-u * s + v * c) / period + phaseY
        let pixelsPerPeriod = pixelsPerUnit * period
        switch kind {
        case .plain:
            return 1
        case .striped:
            return Pattern.squareWave(a, pixelsPerPeriod)
        case .checkered:
            let wa = 2 * Pattern.squareWave(a, pixelsPerPeriod) - 1
            let wb = 2 * Pattern.squareWave(b, pixelsPerPeriod) - 1
            return 0.5 + 0.5 * wa * wb
        case .dotted:
            let fa = a - a.rounded(.down) - 0.5
            let fb = b - b.rounded(.down) - 0.5
            let inside = ((fa * fa + fb * fb).squareRoot() - 0.3) * pixelsPerPeriod
            return 1 - min(max(0.5 - inside, 0), 1)
        }
    }

    /// A square wave of period 1 (1 in the middle half of each period), with edges ramped over one pixel.
    @inline(__always)
    static func squareWave(_ a: Float, _ pixelsPerPeriod: Float) -> Float {
        let f = a - a.rounded(.down)
        let inside = (0.25 - abs(f - 0.5)) * pixelsPerPeriod
        return min(max(0.5 + inside, 0), 1)
    }
}

/// An object to paint: outline, placement (pixel coordinates, y down; `scale` pixels per object unit;
/// counter-clockwise `rotation`), pattern and its two colours.
struct PaintedObject: Sendable {
    var outline: Outline
    var centerX: Float
    var centerY: Float
    var scale: Float
    var rotation: Float
    var pattern: Pattern
    var colour: (Float, Float, Float)
    var secondColour: (Float, Float, Float)
}

enum Painter {
    /// Composites the object over the canvas with coverage from the signed distance (a one-pixel ramp,
    /// i.e. analytic box-filter anti-aliasing). If `mask` is given, the object's coverage is written into it
    /// (max with what is there).
    static func paint(_ object: PaintedObject, into canvas: inout Canvas, mask: UnsafeMutablePointer<Float>? = nil) {
        let size = canvas.size
        let reach = object.outline.extent * object.scale + 1
        let x0 = max(0, Int((object.centerX - reach).rounded(.down)))
        let x1 = min(size, Int((object.centerX + reach).rounded(.up)))
        let y0 = max(0, Int((object.centerY - reach).rounded(.down)))
        let y1 = min(size, Int((object.centerY + reach).rounded(.up)))
        guard x0 < x1, y0 < y1 else { return }
        let c = cos(object.rotation)
        let s = sin(object.rotation)
        let inverseScale = 1 / object.scale
        let (r1, g1, b1) = object.colour
        let (r2, g2, b2) = object.secondColour
        canvas.rgb.withUnsafeMutableBufferPointer { rgb in
            for y in y0..<y1 {
                let dy = object.centerY - (Float(y) + 0.5)
                for x in x0..<x1 {
                    let dx = Float(x) + 0.5 - object.centerX
                    let u = (c * dx + s * dy) * inverseScale
                    let v = (-s * dx + c * dy) * inverseScale
                    let coverage = min(max(0.5 - object.outline.distance(u, v) * object.scale, 0), 1)
                    guard coverage > 0 else { continue }
                    let t = object.pattern.value(u, v, pixelsPerUnit: object.scale)
                    let k = 3 * (y * size + x)
                    rgb[k] += (r2 + (r1 - r2) * t - rgb[k]) * coverage
                    rgb[k + 1] += (g2 + (g1 - g2) * t - rgb[k + 1]) * coverage
                    rgb[k + 2] += (b2 + (b1 - b2) * t - rgb[k + 2]) * coverage
                    if let mask { mask[y * size + x] = max(mask[y * size + x], coverage) }
                }
            }
        }
    }

    /// RGB from hue (degrees), saturation and value in [0, 1].
    static func hsv(_ hue: Float, _ saturation: Float, _ value: Float) -> (Float, Float, Float) {
        let h = (hue.truncatingRemainder(dividingBy: 360) + 360).truncatingRemainder(dividingBy: 360) / 60
        let sector = Int(h)
        let f = h - Float(sector)
        let p = value * (1 - saturation)
        let q = value * (1 - saturation * f)
        let t = value * (1 - saturation * (1 - f))
        switch sector {
        case 0: return (value, t, p)
        case 1: return (q, value, p)
        case 2: return (p, value, t)
        case 3: return (p, q, value)
        case 4: return (t, p, value)
        default: return (value, p, q)
        }
    }
}
