import MindTensor

/// The ε-prediction objective of LDM training (`p_losses` with parameterization "eps", l2, no VLB term):
/// the squared error between predicted and true noise, averaged per sample over every non-batch
/// dimension, then over the batch.
public func epsilonLoss(_ prediction: Tensor, _ noise: Tensor) throws -> Tensor {
    guard prediction.shape == noise.shape else {
        throw TensorError("epsilon_loss: prediction \(Shape.describe(prediction.shape)) and noise \(Shape.describe(noise.shape)) must have the same shape")
    }
    guard prediction.rank >= 2, prediction.numel > 0 else {
        throw TensorError("epsilon_loss: expected a non-empty batch [B, ...] of at least 2 dimensions, got \(Shape.describe(prediction.shape))")
    }
    let diff = try prediction - noise
    return try (diff * diff).mean(dims: Array(1..<prediction.rank)).mean()
}

extension DiffusionSchedule {
    /// One training loss of the noise predictor on clean latents x0 [B, C, H, W]: t ~ U{0..T-1} and
    /// ε ~ N(0, I) per sample from `generator`, z_t = q_sample(x0, t, ε), loss = epsilonLoss(model(z_t, t, c), ε).
    public func trainingLoss(model: UNetModel, latents x0: Tensor, context: Tensor?, generator: Generator) throws -> Tensor {
        guard x0.rank == 4, x0.shape[0] > 0 else { throw TensorError("diffusion loss: expects latents [B, C, H, W], got \(Shape.describe(x0.shape))") }
        let (t, noise) = try trainingDraws(shape: x0.shape, generator: generator)
        return try trainingLoss(model: model, latents: x0, context: context, t: t, noise: noise)
    }

    /// The random draws of one training loss on latents of `shape` [B, C, H, W]: timesteps [B], then noise. Data-parallel
    /// ranks draw them for the whole batch and each takes its rows.
    public func trainingDraws(shape: [Int], generator: Generator) throws -> (t: Tensor, noise: Tensor) {
        let t = try Tensor((0..<shape[0]).map { _ in Float(generator.nextInt(below: timesteps)) }, shape: [shape[0]])
        return (t, try Tensor.randn(shape, generator: generator))
    }

    /// The training loss with given timesteps and noise.
    public func trainingLoss(model: UNetModel, latents x0: Tensor, context: Tensor?, t: Tensor, noise: Tensor) throws -> Tensor {
        let noisy = try qSample(x0, t: t, noise: noise)
        return try epsilonLoss(model(noisy, t: t, context: context), noise)
    }
}
