import MindTensor

/// PLMS sampling (`PLMSSampler.plms_sampling`, REFERENCE.md §4.11): the DDIM update (σ = 0) driven by a
/// pseudo linear multistep noise estimate from the last raw estimates. The first step is a pseudo improved
/// Euler step — a trial DDIM step to the next grid point and a second UNet call there, averaged — so n steps
/// cost n + 1 UNet calls (251 at 250 steps); then Adams–Bashforth of order 2, 3 and 4.
struct PLMSSampler {
    let grid: SamplingGrid

    func run(from xT: Tensor, predictor: NoisePredictor, generator: Generator, progress: (Int, Int) throws -> Void) throws -> Tensor {
        var x = xT
        var history: [Tensor] = []
        let order = Array(grid.timesteps.indices.reversed())
        for (i, index) in order.enumerated() {
            let e = try predictor(x, timestep: grid.timesteps[index])
            let estimate: Tensor
            switch history.count {
            case 0:
                let trial = try grid.step(x, noiseEstimate: e, index: index, generator: generator)
                let next = grid.timesteps[order[Swift.min(i + 1, order.count - 1)]]
                estimate = try (e + predictor(trial, timestep: next)) / 2
            case 1:
                estimate = try (e * 3 - history[0]) / 2
            case 2:
                estimate = try (e * 23 - history[1] * 16 + history[0] * 5) / 12
            default:
                estimate = try (e * 55 - history[2] * 59 + history[1] * 37 - history[0] * 9) / 24
            }
            x = try grid.step(x, noiseEstimate: estimate, index: index, generator: generator)
            history.append(e)
            if history.count > 3 { history.removeFirst() }
            try progress(i + 1, grid.count)
        }
        return x
    }
}
