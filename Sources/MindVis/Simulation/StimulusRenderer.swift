import Foundation
import MindTensor

/// One exemplar: its category and the nuisance parameters that vary between exemplars (position, scale,
/// rotation, texture phase/period/orientation, colour jitter, background details). Lengths are fractions
/// of the image side, so the same scene renders consistently at any size.
struct StimulusScene: Sendable {
    var category: CategoryFactors
    var centerX: Float
    var centerY: Float
    var radius: Float
    var rotation: Float
    var pattern: Pattern
    var hue: Float
    var saturation: Float
    var value: Float
    var grayLevel: Float
    var horizon: Float
    var tilt: Float
    var skyShift: Float

    static func random(category: CategoryFactors, rng: inout Xoshiro256StarStar) -> StimulusScene {
        let patternBase: Float = category.texture == .striped ? Float.pi / 2 : 0
        return StimulusScene(
            category: category,
            centerX: 0.5 + rng.uniform(-0.12, 0.12),
            centerY: 0.5 + rng.uniform(-0.12, 0.12),
            radius: 0.27 * rng.uniform(0.8, 1.15),
            rotation: rng.uniform(-0.5, 0.5),
            pattern: Pattern(kind: category.texture, period: 0.45 * rng.uniform(0.85, 1.15),
                             angle: patternBase + rng.uniform(-0.4, 0.4),
                             phaseX: rng.nextFloat(), phaseY: rng.nextFloat()),
            hue: category.colour.hue + rng.uniform(-8, 8),
            saturation: rng.uniform(0.7, 0.9),
            value: rng.uniform(0.75, 0.95),
            grayLevel: rng.uniform(0.45, 0.55),
            horizon: rng.uniform(0.55, 0.7),
            tilt: rng.uniform(-0.08, 0.08),
            skyShift: rng.uniform(-0.04, 0.04))
    }

    /// Renders the scene as RGB floats (HWC, size × size). If `mask` is given (size² floats) it receives the
    /// object's coverage.
    func render(size: Int, mask: UnsafeMutablePointer<Float>? = nil) -> [Float] {
        var canvas = Canvas(size: size, fill: (grayLevel, grayLevel, grayLevel))
        if category.background == .scene { paintScene(&canvas) }
        let colour = Painter.hsv(hue, saturation, value)
        let second = category.texture == .plain ? colour : Painter.hsv(hue, saturation, value * 0.35)
        let n = Float(size)
        let object = PaintedObject(outline: .stimulus(category.shape), centerX: centerX * n, centerY: centerY * n,
                                   scale: radius * n, rotation: rotation, pattern: pattern,
                                   colour: colour, secondColour: second)
        Painter.paint(object, into: &canvas, mask: mask)
        return canvas.rgb
    }

    /// Sky over ground: vertical gradients, an anti-aliased, slightly tilted horizon.
    private func paintScene(_ canvas: inout Canvas) {
        let size = canvas.size
        let n = Float(size)
        for y in 0..<size {
            let fy: Float = (Float(y) + 0.5) / n
            for x in 0..<size {
                let fx: Float = (Float(x) + 0.5) / n
                let h: Float = horizon + tilt * (fx - 0.5)
                let ground: Float = min(max((fy - h) * n + 0.5, 0), 1)
                let skyDepth: Float = min(max(fy / h, 0), 1)
                let groundDepth: Float = min(max((fy - h) / (1 - h), 0), 1)
                let sky = SIMD3<Float>(0.55 + 0.23 * skyDepth + skyShift, 0.68 + 0.14 * skyDepth + skyShift, 0.88)
                let earth = SIMD3<Float>(0.50, 0.45, 0.36) - groundDepth * SIMD3<Float>(0.14, 0.13, 0.11)
                let k = 3 * (y * size + x)
                for c in 0..<3 { canvas.rgb[k + c] = sky[c] + (earth[c] - sky[c]) * ground }
            }
        }
    }
}
