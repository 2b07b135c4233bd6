import MindImage
import MindTensor

/// The CNN judge's training augmentation. The judge must recognise categories in images it never trains on:
/// VQ reconstructions and generated samples, which are blurrier, noisier and slightly shifted in position and
/// contrast compared with clean renderings. So each image gets, with its own random draws: a random crop
/// (side ≥ `cropScale` of the image, anywhere) resized back, a horizontal flip (mirroring keeps every shape,
/// colour, texture and background category), with probability `blurProbability` a blur by down- and
/// up-sampling with a random factor in 1.5…4 (the softness of a decoder), a contrast and brightness jitter of
/// ±`jitter` (hue is left alone: colour is part of the category), and Gaussian noise of a random standard
/// deviation up to `noise`; values are clamped to [0, 1].
public struct JudgeAugmentation: Equatable, Sendable {
    public var cropScale: Double
    public var flip: Bool
    public var blurProbability: Double
    public var jitter: Double
    public var noise: Double

    public init(cropScale: Double = 0.8, flip: Bool = true, blurProbability: Double = 0.5, jitter: Double = 0.1, noise: Double = 0.05) {
        (self.cropScale, self.flip, self.blurProbability, self.jitter, self.noise) = (cropScale, flip, blurProbability, jitter, noise)
    }

    /// One image, CHW floats in [0, 1] of size × size, augmented with draws from `rng`.
    func apply(_ image: [Float], size: Int, rng: inout Xoshiro256StarStar) throws -> [Float] {
        let side = Swift.max(1, Int((Double(size) * (cropScale + (1 - cropScale) * rng.nextDouble())).rounded()))
        let top = rng.nextInt(below: size - side + 1), left = rng.nextInt(below: size - side + 1)
        var out = image
        if side < size {
            let crop = try ImageResize.crop(image, channels: 3, height: size, width: size, layout: .chw, top: top, left: left,
                                            cropHeight: side, cropWidth: side)
            out = try ImageResize.bilinear(crop, channels: 3, height: side, width: side, layout: .chw, outHeight: size, outWidth: size)
        }
        if flip && rng.nextDouble() < 0.5 {
            for c in 0..<3 {
                for y in 0..<size { out[((c * size + y) * size)..<((c * size + y + 1) * size)].reverse() }
            }
        }
        if rng.nextDouble() < blurProbability {
            let small = Swift.max(2, Int((Double(size) / (1.5 + 2.5 * rng.nextDouble())).rounded()))
            let reduced = try ImageResize.area(out, channels: 3, height: size, width: size, layout: .chw, outHeight: small, outWidth: small)
            out = try ImageResize.bilinear(reduced, channels: 3, height: small, width: small, layout: .chw, outHeight: size, outWidth: size)
        }
        let contrast = Float(1 + jitter * (2 * rng.nextDouble() - 1)), brightness = Float(jitter * (2 * rng.nextDouble() - 1))
        let sigma = Float(noise * rng.nextDouble())
        let mean = out.reduce(0, +) / Float(out.count)
        for p in out.indices {
            let v = (out[p] - mean) * contrast + mean + brightness + sigma * rng.nextNormal()
            out[p] = Swift.min(Swift.max(v, 0), 1)
        }
        return out
    }
}
