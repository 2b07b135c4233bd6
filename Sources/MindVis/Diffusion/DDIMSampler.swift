import MindTensor

/// DDIM sampling (`DDIMSampler.ddim_sampling`): one UNet evaluation per grid point, walked from the last
/// timestep down, each followed by the DDIM update (deterministic at η = 0, fresh noise from `generator`
/// otherwise).
struct DDIMSampler {
    let grid: SamplingGrid

    func run(from xT: Tensor, predictor: NoisePredictor, generator: Generator, progress: (Int, Int) throws -> Void) throws -> Tensor {
        var x = xT
        for (i, index) in grid.timesteps.indices.reversed().enumerated() {
            let e = try predictor(x, timestep: grid.timesteps[index])
            x = try grid.step(x, noiseEstimate: e, index: index, generator: generator)
            try progress(i + 1, grid.count)
        }
        return x
    }
}
