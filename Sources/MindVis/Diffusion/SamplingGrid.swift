import Foundation
import MindTensor

/// The timesteps a DDIM or PLMS sampler visits and the coefficients of each step, exactly as the reference's
/// `make_ddim_timesteps("uniform")` and `make_ddim_sampling_parameters`: τ_i = i·c + 1 with c = T // steps
/// (so T = 1000 and 250 steps visit 1, 5, ..., 997, and 400 steps visit 500 points, as the reference does; a
/// point at T, where the reference fails, is left out, so 3 steps visit 1, 334, 667),
/// α_i = ᾱ[τ_i], α_prev,i = ᾱ[τ_{i-1}] with ᾱ[0] before the first, σ_i = η √((1−α_prev)/(1−α) (1 − α/α_prev)).
public struct SamplingGrid: Equatable {
    /// Ascending; samplers walk it from the end.
    public let timesteps: [Int]
    public let alphas: [Float], alphasPrev: [Float], sigmas: [Float]
    /// √(1 − α_i) in float32, as the reference's `ddim_sqrt_one_minus_alphas`.
    public let sqrtOneMinusAlphas: [Float]

    public init(schedule: DiffusionSchedule, steps: Int, eta: Double) throws {
        let total = schedule.timesteps
        guard steps >= 1, steps <= total else { throw TensorError("sampler: steps must be in 1...\(total), got \(steps)") }
        // η interpolates DDIM (0) and DDPM's noise (1); beyond 1 the noise exceeds what the step leaves room for and
        // √(1 − ᾱ_prev − σ²) is NaN.
        guard eta >= 0, eta <= 1 else { throw TensorError("sampler: eta must be in [0, 1], got \(eta)") }
        let stride = total / steps
        // A last point i*c + 1 = T would index past the reference's table (it fails there); it is left out.
        timesteps = Swift.stride(from: 0, to: total, by: stride).map { $0 + 1 }.filter { $0 < total }
        let table = schedule.alphasCumprodFloat
        alphas = timesteps.map { table[$0] }
        alphasPrev = [table[0]] + timesteps.dropLast().map { table[$0] }
        sigmas = zip(alphas, alphasPrev).map { a, prev in
            let (a, prev) = (Double(a), Double(prev))
            return Float(eta * ((1 - prev) / (1 - a) * (1 - a / prev)).squareRoot())
        }
        sqrtOneMinusAlphas = alphas.map { (1 - $0).squareRoot() }
    }

    private init(timesteps: [Int], alphas: [Float], alphasPrev: [Float], sigmas: [Float], sqrtOneMinusAlphas: [Float]) {
        (self.timesteps, self.alphas, self.alphasPrev, self.sigmas) = (timesteps, alphas, alphasPrev, sigmas)
        self.sqrtOneMinusAlphas = sqrtOneMinusAlphas
    }

    public var count: Int { timesteps.count }

    /// The first `count` points only: a sampler that starts from a partly noised latent at τ_{count−1} instead of
    /// pure noise walks these (the reference's img2img `decode(..., t_start)` does the same on its DDIM grid).
    func prefix(_ count: Int) -> SamplingGrid {
        SamplingGrid(timesteps: Array(timesteps.prefix(count)), alphas: Array(alphas.prefix(count)), alphasPrev: Array(alphasPrev.prefix(count)),
                     sigmas: Array(sigmas.prefix(count)), sqrtOneMinusAlphas: Array(sqrtOneMinusAlphas.prefix(count)))
    }

    /// The DDIM update from step `index` (an index into `timesteps`) given the noise estimate e:
    /// x̂0 = (x − √(1−α) e)/√α, x_prev = √α_prev x̂0 + √(1 − α_prev − σ²) e + σ z (z from `generator` when σ > 0).
    func step(_ x: Tensor, noiseEstimate e: Tensor, index: Int, generator: Generator) throws -> Tensor {
        let a = alphas[index], prev = alphasPrev[index], sigma = sigmas[index]
        let predictedX0 = try (x - e * sqrtOneMinusAlphas[index]) / a.squareRoot()
        let towardsX = try e * (1 - prev - sigma * sigma).squareRoot()
        let next = try predictedX0 * prev.squareRoot() + towardsX
        guard sigma > 0 else { return next }
        return try next + Tensor.randn(x.shape, generator: generator) * sigma
    }
}
