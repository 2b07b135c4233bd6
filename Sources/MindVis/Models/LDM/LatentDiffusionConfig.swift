import MindTensor

/// Configuration of a latent diffusion model with the reference's keys (REFERENCE.md §4.1, §4.2): the
/// schedule (`timesteps`, `linear_start`, `linear_end`), `scale_factor`, and the three parts as nested tables
/// `unet_config`, `first_stage_config` and `cond_stage_config`. `preset` (default "small") is the preset of
/// every part unless a table names its own:
/// - `tiny`: 16×16 images, VQ f = 2, 8×8×3 latents, a 32-channel UNet, the tiny MAE encoder (tests);
/// - `small`: 64×64 images (the simulated stimuli), VQ f = 4, 16×16×3 latents, a 64-channel UNet, the small
///   MAE encoder (trains on 2 cores);
/// - `paper`: the label2img LDM MinD-Vis starts from (256×256 images, 64×64×3 latents, 192 channels) and the
///   paper's encoder (1024 wide, 24 blocks).
/// A class-conditional model (`cond_stage_config.target = "class"`) has one context token, so its UNet defaults
/// to `use_time_cond = false` (the time conditioning reads 77 tokens).
public struct LatentDiffusionConfig: Equatable {
    public var timesteps: Int
    public var linearStart: Double
    public var linearEnd: Double
    /// Latents are `scale_factor` times the first stage's encodings (1: the reference's setting).
    public var scaleFactor: Double
    public var unet: UNetConfig
    public var firstStage: VQConfig
    public var conditioner: ConditionerConfig

    /// The top-level keys, read and range-checked, unknown ones refused, before any part is built from its table: a
    /// misspelt key is named before the parts' own errors (a missing num_voxels), also by the reference loader,
    /// which checks these before it infers the parts from a checkpoint's weights.
    struct TopLevel {
        var preset: String
        var timesteps: Int
        var linearStart, linearEnd, scaleFactor: Double
        var cond, unet, firstStage: [String: ConfigValue]

        init(_ values: [String: ConfigValue]) throws {
            var r = ConfigReader(values, context: "LDM")
            preset = try r.string("preset", "small", allowed: UNetConfig.presetNames)
            timesteps = try r.int("timesteps", 1000, range: 2...100_000)
            linearStart = try r.double("linear_start", 0.0015, range: 1e-12...0.999)
            linearEnd = try r.double("linear_end", 0.0195, range: 1e-12...0.999)
            scaleFactor = try r.double("scale_factor", 1, range: 1e-6...1e6)
            cond = try r.table("cond_stage_config") ?? [:]
            unet = try r.table("unet_config") ?? [:]
            firstStage = try r.table("first_stage_config") ?? [:]
            try r.finish()
        }
    }

    public init(_ values: [String: ConfigValue]) throws {
        let top = try TopLevel(values)
        (timesteps, linearStart, linearEnd, scaleFactor) = (top.timesteps, top.linearStart, top.linearEnd, top.scaleFactor)
        let preset = top.preset, cond = top.cond
        var unetValues = top.unet, vqValues = top.firstStage
        unetValues["preset"] = unetValues["preset"] ?? .string(preset)
        if cond["target"] == .string("class"), unetValues["use_time_cond"] == nil { unetValues["use_time_cond"] = .bool(false) }
        unet = try UNetConfig(unetValues)
        vqValues["preset"] = vqValues["preset"] ?? .string(preset)
        firstStage = try VQConfig(vqValues)
        conditioner = try ConditionerConfig(cond, preset: preset, globalPool: unet.globalPool)
        try validate()
    }

    func validate() throws {
        guard linearEnd > linearStart else {
            throw TensorError("LDM: linear_end \(linearEnd) must be larger than linear_start \(linearStart)")
        }
        let latent = firstStage.latentSize
        guard unet.imageSize == latent else {
            throw TensorError("LDM: the UNet's image_size \(unet.imageSize) must equal the first stage's latent size \(latent) (resolution \(firstStage.ddconfig.resolution) / f \(firstStage.ddconfig.downsamplingFactor))")
        }
        guard unet.inChannels == firstStage.embedDim, unet.outChannels == firstStage.embedDim else {
            throw TensorError("LDM: the UNet's in_channels \(unet.inChannels) and out_channels \(unet.outChannels) must equal the first stage's embed_dim \(firstStage.embedDim)")
        }
        if case .classLabel = conditioner, unet.useTimeCond && !unet.globalPool {
            throw TensorError("LDM: a class embedder gives one context token, but the UNet's time conditioning (use_time_cond without global_pool) reads \(UNetConfig.contextTokens); set use_time_cond = false or global_pool = true")
        }
    }

    public var schedule: DiffusionSchedule {
        get throws { try DiffusionSchedule(timesteps: timesteps, linearStart: linearStart, linearEnd: linearEnd) }
    }

    /// Latent shape [C, h, w] of one image.
    public var latentShape: [Int] { [firstStage.embedDim, firstStage.latentSize, firstStage.latentSize] }

    /// The config as reference-named values (stored as JSON in checkpoints).
    public var values: [(String, ConfigValue)] {
        [("timesteps", .int(timesteps)), ("linear_start", .double(linearStart)), ("linear_end", .double(linearEnd)),
         ("scale_factor", .double(scaleFactor)), ("unet_config", .table(unet.values)), ("first_stage_config", .table(firstStage.values)),
         ("cond_stage_config", .table(conditioner.values))]
    }
}
