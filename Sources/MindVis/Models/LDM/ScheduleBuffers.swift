import Foundation
import MindTensor

extension DiffusionSchedule {
    /// The schedule tables the reference's `LatentDiffusion` registers as persistent buffers (`register_schedule`,
    /// v_posterior 0), computed in double and stored as float32 in its order, so that a state dict of ours holds
    /// every key of the reference's and a reference one loads without unexpected keys. The samplers and the loss
    /// read the schedule itself; these tables only travel with checkpoints (and are checked when loading).
    public var referenceBuffers: [(name: String, tensor: Tensor)] {
        get throws {
            let ac = alphasCumprod, prev = [1.0] + alphasCumprod.dropLast(), steps = 0..<timesteps
            let posterior: [Double] = steps.map { betas[$0] * (1 - prev[$0]) / (1 - ac[$0]) }
            let coef1: [Double] = steps.map { betas[$0] * prev[$0].squareRoot() / (1 - ac[$0]) }
            let coef2: [Double] = steps.map { (1 - prev[$0]) * (1 - betas[$0]).squareRoot() / (1 - ac[$0]) }
            var tables: [(String, [Double])] = [("betas", betas), ("alphas_cumprod", ac), ("alphas_cumprod_prev", prev)]
            tables.append(("sqrt_alphas_cumprod", ac.map { $0.squareRoot() }))
            tables.append(("sqrt_one_minus_alphas_cumprod", ac.map { (1 - $0).squareRoot() }))
            tables.append(("log_one_minus_alphas_cumprod", ac.map { Foundation.log(1 - $0) }))
            tables.append(("sqrt_recip_alphas_cumprod", ac.map { (1 / $0).squareRoot() }))
            tables.append(("sqrt_recipm1_alphas_cumprod", ac.map { (1 / $0 - 1).squareRoot() }))
            tables.append(("posterior_variance", posterior))
            tables.append(("posterior_log_variance_clipped", posterior.map { Foundation.log(Swift.max($0, 1e-20)) }))
            tables.append(("posterior_mean_coef1", coef1))
            tables.append(("posterior_mean_coef2", coef2))
            return try tables.map { ($0.0, try Tensor($0.1.map { Float($0) }, shape: [timesteps])) }
        }
    }

    /// Checks the schedule tables of a state dict against this schedule: a model trained with another noise
    /// schedule would sample wrongly without any other sign. The error names the first table that differs.
    func checkBuffers(_ state: [(name: String, tensor: Tensor)]) throws {
        let given = Dictionary(state.map { ($0.name, $0.tensor) }, uniquingKeysWith: { a, _ in a })
        for (name, ours) in try referenceBuffers {
            guard let theirs = given[name] else { continue }
            let a = try ours.toArray(), b = try theirs.toArray()
            let fits = a.count == b.count && zip(a, b).allSatisfy { Swift.abs($0 - $1) <= 1e-5 * Swift.max(1, Swift.abs($0)) }
            guard fits else {
                let betas = try given["betas"]?.toArray()
                let theirSchedule = betas.map { "\($0.count) steps, betas \($0.first ?? 0) ... \($0.last ?? 0)" } ?? "no betas table"
                throw TensorError("the diffusion schedule's \(name) table (\(theirSchedule)) does not match this model's schedule (\(timesteps) steps, linear_start \(linearStart), linear_end \(linearEnd)): build the model with the checkpoint's timesteps, linear_start and linear_end (a file of ours whose tables disagree with its stored configuration is damaged)")
            }
        }
    }
}
