import MindTensor

/// A latent diffusion model as the reference's `LatentDiffusion` assembles it (REFERENCE.md §4): the frozen
/// first stage `first_stage_model` (VQ autoencoder), the noise predictor `model.diffusion_model` (UNet), the
/// conditioner `cond_stage_model` (MinD-Vis's fMRI conditioner, or a class embedder for a label2img model) and
/// the noise schedule, whose tables are registered as buffers under the reference's names. The state dict
/// therefore has exactly the reference's keys and order, so reference checkpoints load by name (`LDMCheckpoint`).
public final class LatentDiffusion: Module {
    public let config: LatentDiffusionConfig
    public let schedule: DiffusionSchedule
    public let model: DiffusionWrapper
    public let firstStage: VQModel
    public let conditioner: ConditioningModel

    public var unet: UNetModel { model.diffusionModel }

    /// A model with fresh weights for `config` (the first stage frozen, as in the reference).
    public convenience init(_ config: LatentDiffusionConfig, generator: Generator = .default) throws {
        let unet = try UNetModel(config.unet, generator: generator)
        let firstStage = try VQModel(config.firstStage, generator: generator)
        let conditioner: ConditioningModel
        switch config.conditioner {
        case .fmri(let c): conditioner = try FMRIConditioner(c, contextDim: config.unet.contextDim, generator: generator)
        case .classLabel(let c):
            conditioner = try ClassEmbedder(embedDim: config.unet.contextDim, classCount: c.classCount, nullClass: c.nullClass,
                                            attributes: c.attributes, generator: generator)
        }
        try self.init(config, unet: unet, firstStage: firstStage, conditioner: conditioner)
    }

    /// Assembles existing parts (`mv.models.LDM{unet =, vq =, cond =}`); they must fit `config`, whose part
    /// configurations are taken from them. The first stage is frozen.
    public init(_ config: LatentDiffusionConfig, unet: UNetModel, firstStage: VQModel, conditioner: ConditioningModel) throws {
        guard unet.config == config.unet, firstStage.config == config.firstStage else {
            throw TensorError("LDM: the UNet and first stage must have the configuration the LDM config names")
        }
        switch (config.conditioner, conditioner) {
        case (.fmri(let c), let f as FMRIConditioner) where f.config == c && f.contextDim == config.unet.contextDim: break
        case (.classLabel(let c), let e as ClassEmbedder) where e.classCount == c.classCount && e.nullClass == c.nullClass && e.attributes == c.attributes && e.embedDim == config.unet.contextDim: break
        default: throw TensorError("LDM: the conditioner does not match cond_stage_config (or its width is not the UNet's context_dim \(config.unet.contextDim))")
        }
        self.config = config
        schedule = try config.schedule
        model = DiffusionWrapper(unet)
        self.firstStage = firstStage
        self.conditioner = conditioner
        super.init()
        for (name, table) in try schedule.referenceBuffers { registerBuffer(name, table) }
        registerModule("model", model)
        registerModule("first_stage_model", firstStage)
        registerModule("cond_stage_model", conditioner)
        firstStage.freeze()
        firstStage.eval()
    }

    public override var summary: String {
        "latent=\(config.latentShape), timesteps=\(config.timesteps), cond=\(conditioner.typeName)"
    }

    /// A state dict of another noise schedule fits by name and shape, but its tables would replace this model's and
    /// contradict `config` (and the file `save` then writes): refused, whichever way it is loaded.
    public override func checkLoadedState(_ state: [(name: String, tensor: Tensor)]) throws {
        try schedule.checkBuffers(state)
    }

    /// Images [B, C, H, W] in [−1, 1] -> latents z0 [B, C, h, w]: the first stage's pre-quantisation encoding
    /// (un-quantised, as the reference's diffusion target) times `scale_factor`; without gradients.
    public func encodeFirstStage(_ images: Tensor) throws -> Tensor {
        try withNoGrad { try firstStage.encode(images) * Float(config.scaleFactor) }
    }

    /// Latents -> images in [−1, 1]: divided by `scale_factor`, quantised, decoded (the reference's
    /// `decode_first_stage`); without gradients.
    public func decodeFirstStage(_ latents: Tensor) throws -> Tensor {
        try withNoGrad { try firstStage.decode(latents / Float(config.scaleFactor)) }
    }

    /// The ε-prediction loss of one batch (`p_losses`): t ~ U{0..T−1} and ε ~ N(0, I) from `generator`,
    /// ε̂ = UNet(z_t, t, context), mean squared error per sample, averaged.
    public func loss(latents: Tensor, context: Tensor, generator: Generator) throws -> Tensor {
        try schedule.trainingLoss(model: unet, latents: latents, context: context, generator: generator)
    }

    /// The loss with given timesteps [B] and noise [B, C, H, W] (`schedule.trainingDraws`).
    public func loss(latents: Tensor, context: Tensor, t: Tensor, noise: Tensor) throws -> Tensor {
        try schedule.trainingLoss(model: unet, latents: latents, context: context, t: t, noise: noise)
    }
}
