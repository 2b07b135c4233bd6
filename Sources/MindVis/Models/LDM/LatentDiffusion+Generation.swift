import MindTensor

/// Images generated from conditions, with the seeds that reproduce them.
public struct GeneratedImages {
    /// [B, num_samples, C, H, W] in [0, 1].
    public var images: Tensor
    /// The seed of each condition's starting noise: `generate` with `seeds: [seeds[i]]` and condition i alone gives
    /// the same images again.
    public var seeds: [UInt64]
}

extension LatentDiffusion {
    /// The seed of condition `index` of a `generate` call with base seed `seed`: a stream of its own, so an image
    /// does not depend on how many conditions were generated with it.
    /// Kept below 2^53 so a seed survives a Lua number or a JSON file exactly.
    public static func conditionSeed(_ seed: UInt64, index: Int) -> UInt64 {
        Xoshiro256StarStar.derive(seed, [UInt64(index)]) & (1 << 53 - 1)
    }

    /// Generates `numSamples` images per condition (the reference's `generate`, REFERENCE.md §4.11): the conditioner
    /// turns each condition of [B, ...] into its context, each condition's starting noise x_T [numSamples, C, h, w] is drawn
    /// from its own seed (`conditionSeed(seed, index:)`, or `seeds` given per condition), PLMS or DDIM (`options`)
    /// denoises all samples of a condition — and both halves of classifier-free guidance — as one UNet batch per
    /// step, the first stage decodes with quantisation and the result is clamp((x + 1) / 2, 0, 1). Runs in eval mode
    /// without recording gradients. With `initLatents` [B, C, h, w] (diffusion latents, one per condition, e.g. a
    /// decoder's estimate) every sample of condition i starts from initLatents[i] noised `options.strength` of the way
    /// (SDEdit) with its x_T. `progress` gets (steps done, total steps) over all conditions; an error it throws
    /// stops generation.
    public func generate(conditions: Tensor, numSamples: Int, options: SamplerOptions = SamplerOptions(), seed: UInt64 = 0,
                         seeds: [UInt64]? = nil, initLatents: Tensor? = nil, unconditionalContext: Tensor? = nil,
                         progress: ((Int, Int) throws -> Void)? = nil) throws -> GeneratedImages {
        try generate(contexts: contexts(conditions), numSamples: numSamples, options: options, seed: seed, seeds: seeds,
                     initLatents: initLatents, unconditionalContext: unconditionalContext, progress: progress)
    }

    /// The conditioner's contexts [B, T, context_dim] of conditions [B, ...], in eval mode without gradients. One
    /// condition at a time, so that an image never depends on the batch it was generated in (a batched GEMM may
    /// round differently).
    public func contexts(_ conditions: Tensor) throws -> Tensor {
        let count = try conditioner.conditionCount(conditions)
        guard count > 0 else { throw TensorError("contexts: no conditions (an empty batch of \(Shape.describe(conditions.shape)))") }
        return try withEvalMode {
            try withNoGrad { try Tensor.cat((0..<count).map { try conditioner.context(conditions.narrow(0, start: $0, length: 1)) }, dim: 0) }
        }
    }

    /// `generate` from contexts [B, T, context_dim] the conditioner has already computed. `unconditionalContext`
    /// [1, T or 1, context_dim] is the "no condition" context of guidance for a conditioner without one of its own (an
    /// fMRI conditioner; e.g. the null-class context of the label2img model it started from). One token is repeated
    /// to the contexts' T: attention over copies of one token is attention over that token.
    public func generate(contexts: Tensor, numSamples: Int, options: SamplerOptions = SamplerOptions(), seed: UInt64 = 0,
                         seeds: [UInt64]? = nil, initLatents: Tensor? = nil, unconditionalContext given: Tensor? = nil,
                         progress: ((Int, Int) throws -> Void)? = nil) throws -> GeneratedImages {
        guard contexts.rank == 3, contexts.shape[0] > 0, contexts.shape[2] == config.unet.contextDim else {
            throw TensorError("generate: expects contexts [B, T, \(config.unet.contextDim)] for at least one condition, got \(Shape.describe(contexts.shape))")
        }
        guard numSamples > 0 else { throw TensorError("generate: num_samples must be positive, got \(numSamples)") }
        let count = contexts.shape[0]
        let conditionSeeds = seeds ?? (0..<count).map { LatentDiffusion.conditionSeed(seed, index: $0) }
        guard conditionSeeds.count == count else {
            throw TensorError("generate: \(conditionSeeds.count) seeds for \(count) conditions; give one seed per condition")
        }
        if let given {
            guard given.rank == 3, given.shape[0] == 1, given.shape[1] == 1 || given.shape[1] == contexts.shape[1], given.shape[2] == contexts.shape[2] else {
                let shapes = contexts.shape[1] == 1 ? "[1, 1, \(contexts.shape[2])]" : "[1, \(contexts.shape[1]), \(contexts.shape[2])] (or [1, 1, \(contexts.shape[2])], one token for all)"
                throw TensorError("generate: the unconditional context must be \(shapes), got \(Shape.describe(given.shape))")
            }
        }
        let unconditional = options.guidance == 1 ? nil : try given.map { try $0.expand([1, contexts.shape[1], contexts.shape[2]]).contiguous() }
            ?? withEvalMode { try withNoGrad { try conditioner.unconditionalContext() } }
        if options.guidance != 1 && unconditional == nil {
            throw TensorError("generate: guidance \(options.guidance) needs an unconditional context, which this conditioner (\(conditioner.typeName)) does not have; give one (uncond =) or use guidance = 1")
        }
        if let initLatents, initLatents.shape != [count] + config.latentShape {
            throw TensorError("generate: init_latents must be [\(count), \(config.latentShape.map(String.init).joined(separator: ", "))] (one latent per condition), got \(Shape.describe(initLatents.shape))")
        }
        let steps = try DiffusionSampling.walkedGrid(schedule: schedule, options: options, fromLatents: initLatents != nil).count
        let shape = [numSamples] + config.latentShape
        var images: [Tensor] = []
        for i in 0..<count {
            let latents = try DiffusionSampling.sample(model: unet, schedule: schedule, context: contexts.narrow(0, start: i, length: 1),
                                                       unconditionalContext: unconditional, shape: shape,
                                                       x0: initLatents?.narrow(0, start: i, length: 1), seed: conditionSeeds[i],
                                                       options: options) { done, _ in try progress?(i * steps + done, count * steps) }
            let decoded = try decodeFirstStage(latents)
            images.append(try ((decoded + 1) / 2).clamp(min: 0, max: 1))
        }
        return GeneratedImages(images: try Tensor.stack(images, dim: 0), seeds: conditionSeeds)
    }

    /// Runs `body` with the model in eval mode, restoring the training mode after (the first stage stays in eval).
    func withEvalMode<T>(_ body: () throws -> T) throws -> T {
        let wasTraining = isTraining
        eval()
        defer {
            train(wasTraining)
            firstStage.eval()
        }
        return try body()
    }
}
