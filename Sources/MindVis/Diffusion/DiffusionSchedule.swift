import Foundation
import MindTensor

/// The forward (noising) process of the latent diffusion model: LDM's "linear" schedule, linear in √β,
/// β_t = linspace(√linear_start, √linear_end, T)_t², and ᾱ_t = Π_{s<=t} (1 − β_s), t = 0..T-1
/// (REFERENCE.md §4.7). Computed in Double as the reference does with numpy; the float32 tables the
/// reference registers as buffers are what the samplers and `qSample` read.
public struct DiffusionSchedule: Equatable {
    public let timesteps: Int
    public let linearStart: Double, linearEnd: Double
    public let betas: [Double]
    public let alphasCumprod: [Double]
    /// ᾱ rounded to float32, as the reference's `alphas_cumprod` buffer the samplers index.
    public let alphasCumprodFloat: [Float]
    /// √ᾱ and √(1 − ᾱ), computed in Double then rounded (`sqrt_alphas_cumprod`, `sqrt_one_minus_alphas_cumprod`).
    public let sqrtAlphasCumprod: [Float], sqrtOneMinusAlphasCumprod: [Float]

    public init(timesteps: Int = 1000, linearStart: Double = 0.0015, linearEnd: Double = 0.0195) throws {
        guard (2...100_000).contains(timesteps) else { throw TensorError("diffusion schedule: timesteps must be in 2...100000, got \(timesteps)") }
        guard linearStart > 0, linearEnd > linearStart, linearEnd < 1 else {
            throw TensorError("diffusion schedule: needs 0 < linear_start < linear_end < 1, got \(linearStart) and \(linearEnd)")
        }
        (self.timesteps, self.linearStart, self.linearEnd) = (timesteps, linearStart, linearEnd)
        let roots = DiffusionSchedule.linspace(linearStart.squareRoot(), linearEnd.squareRoot(), count: timesteps)
        betas = roots.map { $0 * $0 }
        var product = 1.0
        alphasCumprod = betas.map { beta in
            product *= 1 - beta
            return product
        }
        alphasCumprodFloat = alphasCumprod.map { Float($0) }
        sqrtAlphasCumprod = alphasCumprod.map { Float($0.squareRoot()) }
        sqrtOneMinusAlphasCumprod = alphasCumprod.map { Float((1 - $0).squareRoot()) }
    }

    /// torch.linspace in float64: the first half counted up from `start`, the second half down from `end`,
    /// so both ends are exact.
    static func linspace(_ start: Double, _ end: Double, count: Int) -> [Double] {
        let step = (end - start) / Double(count - 1)
        let half = count / 2
        return (0..<count).map { i in i < half ? start + step * Double(i) : end - step * Double(count - 1 - i) }
    }

    /// Integer timesteps [B] (stored as floats) checked against the schedule.
    func timestepIndices(_ t: Tensor, batch: Int, op: String) throws -> [Int] {
        guard t.shape == [batch] else { throw TensorError("\(op): expects timesteps t [\(batch)], got \(Shape.describe(t.shape))") }
        return try t.toArray().map { value in
            guard value.rounded() == value, value >= 0, value < Float(timesteps) else {
                throw TensorError("\(op): timesteps must be integers in 0...\(timesteps - 1), got \(value)")
            }
            return Int(value)
        }
    }

    /// z_t = √ᾱ_t z_0 + √(1 − ᾱ_t) ε for each sample's own timestep (`q_sample`); differentiable in x0 and noise.
    public func qSample(_ x0: Tensor, t: Tensor, noise: Tensor) throws -> Tensor {
        guard noise.shape == x0.shape else {
            throw TensorError("q_sample: latents \(Shape.describe(x0.shape)) and noise \(Shape.describe(noise.shape)) must have the same shape")
        }
        guard x0.rank >= 1, x0.shape[0] > 0 else {
            throw TensorError("q_sample: expected a non-empty batch [B, ...] of latents, got \(Shape.describe(x0.shape))")
        }
        let b = x0.shape[0]
        let indices = try timestepIndices(t, batch: b, op: "q_sample")
        let perSample = [b] + [Int](repeating: 1, count: x0.rank - 1)
        let signal = try Tensor(indices.map { sqrtAlphasCumprod[$0] }, shape: perSample)
        let noiseScale = try Tensor(indices.map { sqrtOneMinusAlphasCumprod[$0] }, shape: perSample)
        return try signal * x0 + noiseScale * noise
    }
}
