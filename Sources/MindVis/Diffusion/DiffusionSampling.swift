import MindTensor

/// Options of `DiffusionSampling.sample` with the Lua API's names: `sampler`, `steps`, `eta`, `guidance`, `strength`.
public struct SamplerOptions: Equatable {
    public enum Method: String, CaseIterable { case plms, ddim }

    public var method: Method
    public var steps: Int
    /// DDIM's noise level (0 = deterministic); PLMS requires 0, as the reference.
    public var eta: Double
    /// Classifier-free guidance scale; 1 = the plain conditional model (the reference's only setting).
    public var guidance: Double
    /// Starting from given latents x_0 instead of pure noise (SDEdit; the reference's img2img script): x_0 is noised
    /// to the k-th grid point, k = Int(strength · steps), and the sampler walks those k steps down. 1 (the default)
    /// walks the whole grid; without x_0 it must be 1.
    public var strength: Double

    public init(method: Method = .plms, steps: Int = 50, eta: Double = 0, guidance: Double = 1, strength: Double = 1) {
        (self.method, self.steps, self.eta, self.guidance, self.strength) = (method, steps, eta, guidance, strength)
    }
}

/// Generating latents with a trained noise predictor: start from x_T ~ N(0, I) (given, or drawn from `seed`) —
/// or from given latents x_0 noised part of the way with that noise (`SamplerOptions.strength`) — and denoise
/// with PLMS or DDIM. Runs without recording gradients and with the model in eval mode (its
/// training mode is restored afterwards). All samples — and both guidance halves — go through each UNet
/// evaluation as one batch.
public enum DiffusionSampling {
    /// - Parameters:
    ///   - context: [B, T, context_dim] (one per sample) or [1, T, context_dim] shared by all; nil for a model
    ///     that takes none.
    ///   - unconditionalContext: the "null" conditioning for guidance, shaped like `context` (or batch 1).
    ///   - xT: the starting noise [B, C, H, W]; when nil, `shape` gives its size and it is drawn from `seed`.
    ///   - x0: latents to start from instead of pure noise ([B, C, H, W], or [1, C, H, W] for every sample): noised
    ///     with x_T to the grid point `options.strength` of the way from the start.
    ///   - seed: the generator of x_T (when drawn) and of DDIM's noise at η > 0.
    ///   - progress: called after every step with (steps done, total steps); an error it throws stops sampling
    ///     and is rethrown (how the Lua layer delivers Ctrl-C and errors of user callbacks).
    /// - Returns: the final latents z_0 [B, C, H, W].
    public static func sample(model: UNetModel, schedule: DiffusionSchedule, context: Tensor?, unconditionalContext: Tensor? = nil,
                              xT: Tensor? = nil, shape: [Int]? = nil, x0: Tensor? = nil, seed: UInt64 = 0,
                              options: SamplerOptions = SamplerOptions(), progress: ((Int, Int) throws -> Void)? = nil) throws -> Tensor {
        let grid = try walkedGrid(schedule: schedule, options: options, fromLatents: x0 != nil)
        if options.method == .plms && options.eta != 0 {
            throw TensorError("sampler: PLMS needs eta = 0 (got \(options.eta)); use sampler = \"ddim\" for eta > 0")
        }
        let c = model.config
        let generator = Generator(seed: seed)
        var start: Tensor
        switch (xT, shape) {
        case (let x?, nil):
            start = x
        case (nil, let s?):
            guard s.count == 4, s.allSatisfy({ $0 > 0 }) else {
                throw TensorError("sampler: shape must be {B, C, H, W} with positive sizes, got \(s)")
            }
            start = try Tensor.randn(s, generator: generator)
        case (.some, .some):
            throw TensorError("sampler: give either x_T or shape, not both")
        case (nil, nil):
            throw TensorError("sampler: give x_T (the starting noise) or shape and seed to draw it")
        }
        guard c.inChannels == c.outChannels else {
            throw TensorError("sampler: the UNet predicts \(c.outChannels) channels of noise for \(c.inChannels) input channels; sampling needs out_channels = in_channels")
        }
        guard start.rank == 4, start.shape[1] == c.inChannels else {
            throw TensorError("sampler: starting noise must be [B, \(c.inChannels), H, W] for this UNet, got \(Shape.describe(start.shape))")
        }
        if let x0 {
            guard x0.rank == 4, Array(x0.shape.dropFirst()) == Array(start.shape.dropFirst()), x0.shape[0] == 1 || x0.shape[0] == start.shape[0] else {
                throw TensorError("sampler: x_0 must be [\(start.shape[0]), \(start.shape[1]), \(start.shape[2]), \(start.shape[3])] or [1, ...] like the starting noise, got \(Shape.describe(x0.shape))")
            }
            start = try schedule.qSample(x0.expand(start.shape).contiguous(), t: Tensor.full([start.shape[0]], Float(grid.timesteps.last!)), noise: start)
        }
        let wasTraining = model.isTraining
        model.eval()
        defer { model.train(wasTraining) }
        return try withNoGrad {
            let predictor = try NoisePredictor(model: model, context: context, unconditionalContext: unconditionalContext,
                                               guidance: options.guidance, batch: start.shape[0])
            let report = progress ?? { _, _ in }
            switch options.method {
            case .plms: return try PLMSSampler(grid: grid).run(from: start, predictor: predictor, generator: generator, progress: report)
            case .ddim: return try DDIMSampler(grid: grid).run(from: start, predictor: predictor, generator: generator, progress: report)
            }
        }
    }

    /// The grid points a sampler with `options` visits: all of them from pure noise, the first `strength` of them
    /// from latents x_0 (`fromLatents`); strength < 1 without x_0 is an error.
    public static func walkedGrid(schedule: DiffusionSchedule, options: SamplerOptions, fromLatents: Bool) throws -> SamplingGrid {
        let grid = try SamplingGrid(schedule: schedule, steps: options.steps, eta: options.eta)
        let strength = options.strength
        guard fromLatents else {
            guard strength == 1 else { throw TensorError("sampler: strength \(strength) needs latents to start from (x_0 / init_latents)") }
            return grid
        }
        guard strength > 0, strength <= 1 else { throw TensorError("sampler: strength must be in (0, 1], got \(strength)") }
        let count = Int(strength * Double(grid.count))
        guard count >= 1 else {
            throw TensorError("sampler: strength \(strength) of \(grid.count) steps walks none; give at least \(1 / Double(grid.count)) or more steps")
        }
        return grid.prefix(count)
    }
}
