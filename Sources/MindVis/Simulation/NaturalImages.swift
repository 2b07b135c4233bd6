import Foundation
import MindImage
import MindTensor

/// Natural-like random images that drive the unlabelled pool: smooth coloured noise (a pyramid of octaves,
/// i.e. a power-law spectrum) overlaid with "dead leaves" — occluding shapes of log-uniform sizes,
/// random colours, orientations and surface patterns.
enum NaturalImages {
    /// The first octave of the noise pyramid: a 4×4 grid.
    static let coarsestGrid = 4
    /// Amplitude ratio between successive octaves.
    static let octaveDecay: Float = 0.6

    static func render(size: Int, rng: inout Xoshiro256StarStar) -> [Float] {
        let mean = rng.uniform(0.35, 0.65)
        let contrast = rng.uniform(0.06, 0.16)
        let colourfulness = rng.uniform(0.1, 0.45)
        // Octave pyramid: upsample the running sum 2× (bilinear) and add a fresh layer, from 4×4 up to half
        // the image size, then a final upsampling to the image size. Finer octaves are weaker than in pure
        // 1/f noise, since natural images concentrate their fine structure in sparse edges (the leaves).
        var grid = coarsestGrid
        var amplitude: Float = 1
        var sum = noiseLayer(grid: grid, colourfulness: colourfulness, rng: &rng)
        while grid * 2 <= size / 2 {
            // Cannot throw: the shapes are valid by construction.
            sum = try! ImageResize.bilinear(sum, channels: 3, height: grid, width: grid, layout: .hwc,
                                            outHeight: 2 * grid, outWidth: 2 * grid)
            grid *= 2
            amplitude *= octaveDecay
            let layer = noiseLayer(grid: grid, colourfulness: colourfulness, rng: &rng)
            for i in 0..<sum.count { sum[i] += amplitude * layer[i] }
        }
        let background = try! ImageResize.bilinear(sum, channels: 3, height: grid, width: grid, layout: .hwc,
                                                    outHeight: size, outWidth: size)
        var canvas = Canvas(size: size, fill: (0, 0, 0))
        for i in 0..<background.count { canvas.rgb[i] = min(max(mean + contrast * background[i], 0), 1) }

        let n = Float(size)
        let leaves = 2 + rng.nextInt(below: 9)
        for _ in 0..<leaves {
            let radius = n * 0.05 * pow(7, rng.nextFloat())  // log-uniform, 0.05 to 0.35 of the side
            let kind = rng.nextFloat()
            let outline: Outline
            if kind < 0.4 {
                outline = .ellipse(1, rng.uniform(0.4, 1))
            } else if kind < 0.65 {
                outline = .box(1, rng.uniform(0.4, 1))
            } else if kind < 0.8 {
                outline = .box(1, rng.uniform(0.08, 0.2))
            } else {
                outline = .stimulus(ShapeKind.allCases[rng.nextInt(below: ShapeKind.allCases.count)])
            }
            let patternDraw = rng.nextFloat()
            let texture: TextureKind = patternDraw < 0.55 ? .plain : patternDraw < 0.75 ? .striped : patternDraw < 0.85 ? .dotted : .checkered
            let hue = rng.uniform(0, 360)
            let saturation = rng.uniform(0, 0.8)
            let value = rng.uniform(0.15, 0.95)
            let colour = Painter.hsv(hue, saturation, value)
            let object = PaintedObject(
                outline: outline, centerX: rng.uniform(-0.1, 1.1) * n, centerY: rng.uniform(-0.1, 1.1) * n,
                scale: radius, rotation: rng.uniform(0, 2 * .pi),
                pattern: Pattern(kind: texture, period: rng.uniform(0.3, 0.8), angle: rng.uniform(0, .pi),
                                 phaseX: rng.nextFloat(), phaseY: rng.nextFloat()),
                colour: colour, secondColour: Painter.hsv(hue, saturation, value * rng.uniform(0.2, 0.6)))
            Painter.paint(object, into: &canvas)
        }
        return canvas.rgb
    }

    /// White noise on a grid²: a luminance draw shared by the three channels plus per-channel colour draws.
    private static func noiseLayer(grid: Int, colourfulness: Float, rng: inout Xoshiro256StarStar) -> [Float] {
        var draws = [Float](repeating: 0, count: grid * grid * 4)
        draws.withUnsafeMutableBufferPointer { rng.fillNormal($0) }
        var layer = [Float](repeating: 0, count: grid * grid * 3)
        for p in 0..<(grid * grid) {
            for c in 0..<3 { layer[3 * p + c] = draws[4 * p] + colourfulness * draws[4 * p + 1 + c] }
        }
        return layer
    }
}

extension NaturalImages {
    /// Image features (`FeatureBank.imageFeatureCount` per row) of `count` natural-like images; image i is
    /// drawn from the stream (`seed`, `stream`..., i).
    static func features(count: Int, seed: UInt64, stream: [UInt64]) -> [Float] {
        let featureCount = FeatureBank.imageFeatureCount
        var features = [Float](repeating: 0, count: count * featureCount)
        features.withUnsafeMutableBufferPointer { f in
            let base = f.baseAddress!
            Parallel.forEachChunk(count) { range, _ in
                var extractor = FeatureExtractor()
                for i in range {
                    var rng = Xoshiro256StarStar(seed: Xoshiro256StarStar.derive(seed, stream + [UInt64(i)]))
                    let image = render(size: FeatureBank.workingSize, rng: &rng)
                    image.withUnsafeBufferPointer { extractor.compute(rgb: $0, into: base + i * featureCount) }
                }
            }
        }
        return features
    }
}
