import MindTensor

/// The sampler's view of the UNet: ε̂(x, τ) for a batch of latents under their context, with classifier-free
/// guidance ε = ε_u + g (ε_c − ε_u) when a scale g ≠ 1 and an unconditional context are given. The
/// unconditional and conditional halves go through the UNet as one batch (one call per evaluation), in the
/// reference's order [unconditional; conditional]; at g = 1 the unconditional half is never computed.
struct NoisePredictor {
    let model: UNetModel
    let context: Tensor?
    /// [unconditional; conditional] contexts, prepared once, when guidance is on.
    let pairedContext: Tensor?
    let guidance: Float
    let batch: Int

    init(model: UNetModel, context: Tensor?, unconditionalContext: Tensor?, guidance: Double, batch: Int) throws {
        guard guidance.isFinite else { throw TensorError("sampler: guidance must be a finite number, got \(guidance)") }
        (self.model, self.guidance, self.batch) = (model, Float(guidance), batch)
        self.context = try context.map { try NoisePredictor.perSample($0, batch: batch, name: "context") }
        if guidance == 1 {
            pairedContext = nil
            return
        }
        guard let conditional = self.context, let unconditionalContext else {
            throw TensorError("sampler: guidance \(guidance) needs both a context and an unconditional context (uncond); guidance 1 samples without them")
        }
        let unconditional = try NoisePredictor.perSample(unconditionalContext, batch: batch, name: "unconditional context")
        guard unconditional.shape == conditional.shape else {
            throw TensorError("sampler: unconditional context \(Shape.describe(unconditionalContext.shape)) does not match the context \(Shape.describe(conditional.shape))")
        }
        pairedContext = try Tensor.cat([unconditional, conditional], dim: 0)
    }

    /// A context for every sample: [batch, T, D] as given, or one [1, T, D] shared by all samples.
    static func perSample(_ c: Tensor, batch: Int, name: String) throws -> Tensor {
        guard c.rank == 3, c.shape[0] == batch || c.shape[0] == 1 else {
            let shapes = batch == 1 ? "[1, T, D]" : "[\(batch), T, D] or [1, T, D]"
            throw TensorError("sampler: \(name) must be \(shapes) for \(batch) sample\(batch == 1 ? "" : "s"), got \(Shape.describe(c.shape))")
        }
        return try c.expand([batch, c.shape[1], c.shape[2]])
    }

    func callAsFunction(_ x: Tensor, timestep: Int) throws -> Tensor {
        guard let pairedContext else {
            return try model(x, t: Tensor.full([batch], Float(timestep)), context: context)
        }
        let both = try model(Tensor.cat([x, x], dim: 0), t: Tensor.full([2 * batch], Float(timestep)), context: pairedContext)
        let unconditional = try both.narrow(0, start: 0, length: batch), conditional = try both.narrow(0, start: batch, length: batch)
        return try unconditional + (conditional - unconditional) * guidance
    }
}
