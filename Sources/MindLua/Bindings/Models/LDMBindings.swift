import Foundation
import MindTensor
import MindVis

/// The latent diffusion model as a whole: `mv.models.LDM{...}` (first stage, UNet, conditioner, schedule under the
/// reference's names), `mv.models.load_ldm(path)` (our checkpoints and the reference's `finetuned.pth` /
/// `model.ckpt`), `mv.ldm.from_pretrained{...}` (the start of stage B) and `ldm:generate{...}`.
enum LDMBindings: LuaBindingSet {
    static let ldmType: LuaUserdataType<LatentDiffusion> = {
        let type = LuaUserdataType<LatentDiffusion>(name: "LDM", parent: ModuleBindings.moduleType,
                                                    doc: "a latent diffusion model: first_stage_model, model.diffusion_model and cond_stage_model")
        type.bound("generate", doc: """
            ldm:generate{fmri | labels | context = [, options]} -> images, seeds
            Images [B, num_samples, 3, H, W] in [0, 1] for each condition (the reference's generate): PLMS or DDIM in latent space, all samples of a condition (and the guidance pair) in one UNet call per step, VQ decode with quantisation.
            fmri = nil  -- [B, V] (or [B, 1, V]) fMRI for an fMRI conditioner
            labels = nil  -- [B] 1-based class labels for a class embedder
            context = nil  -- [B, T, context_dim] contexts computed already
            num_samples = 5  -- images per condition
            steps = 50  -- sampler steps (the reference: 250); as the reference, the grid takes every (timesteps // steps)-th timestep, so steps that do not divide timesteps run more (1000 // 400 = 2: 500 steps)
            sampler = "plms"  -- "plms" or "ddim"
            eta = 0  -- DDIM noise, in [0, 1]
            guidance = 1  -- classifier-free guidance scale (needs a null class, or uncond =)
            uncond = nil  -- [1, T or 1, context_dim] the unconditional context for a conditioner without a null class (fMRI): e.g. label2img's null-class context
            seed = 0  -- base seed; condition i uses its own seed, returned in seeds
            seeds = nil  -- one seed per condition (reproduces given images)
            init_latents = nil  -- [B, C, h, w] diffusion latents to start from, one per condition (e.g. ridge:latents(fmri) * scale_factor): SDEdit
            strength = 1  -- with init_latents: the share of the steps walked from the noised latents (1 = from pure noise at the last step)
            progress = false  -- true: a progress line; or function(done, total)
            The same seed and condition give the same images, however many conditions are generated together.
            """) { ldm, args in
            let options = try args.options(1)
            let sampling = try samplerOptions(options, args: args, timesteps: ldm.schedule.timesteps)
            let numSamples = try options.integer("num_samples", default: 5, min: 1, max: 4096)
            let seed = UInt64(try options.integer("seed", default: 0, min: 0))
            let seeds = try options.integerArray("seeds", min: 0, max: 1 << 53)?.map { UInt64($0) }
            let progress = try DiffusionBindings.samplingProgress(options, args: args)
            let initLatents = try options.userdata("init_latents", as: Tensor.self)
            let unconditional = try options.userdata("uncond", as: Tensor.self)
            let generated: GeneratedImages
            if let contexts = try options.userdata("context", as: Tensor.self) {
                guard try condition(options, of: ldm, args: args, contextGiven: true) == nil else { throw args.error("give exactly one of fmri =, labels = or context =") }
                generated = try ldm.generate(contexts: contexts, numSamples: numSamples, options: sampling, seed: seed, seeds: seeds,
                                             initLatents: initLatents, unconditionalContext: unconditional, progress: progress)
            } else {
                guard let conditions = try condition(options, of: ldm, args: args, contextGiven: false) else { throw args.error("give exactly one of fmri =, labels = or context = (got none)") }
                generated = try ldm.generate(conditions: conditions, numSamples: numSamples, options: sampling, seed: seed, seeds: seeds,
                                             initLatents: initLatents, unconditionalContext: unconditional, progress: progress)
            }
            return try args.returning(LuaValue.object(generated.images), LuaValue.array(generated.seeds.map { .integer(Int($0)) }))
        }
        type.bound("context", doc: """
            ldm:context{fmri | labels} -> Tensor
            The conditioner's context [B, T, context_dim] (eval mode, no gradient) for fMRI [B, V] or 1-based labels [B]: what the UNet attends to, and what generate{context = ...} takes.
            fmri = nil  -- [B, V] (or [B, 1, V]) fMRI for an fMRI conditioner
            labels = nil  -- [B] 1-based class labels for a class embedder
            """) { ldm, args in
            let options = try args.options(1)
            guard let conditions = try condition(options, of: ldm, args: args, contextGiven: false, contextOption: false) else { throw args.error("give fmri = or labels =") }
            return try args.returning(tensor: try ldm.contexts(conditions))
        }
        type.bound("encode_images", doc: """
            ldm:encode_images(images) -> latents
            The first stage's latents (scaled by scale_factor) of images [B, 3, H, W] in [-1, 1]: what the diffusion model denoises.
            """) { ldm, args in try args.returning(tensor: ldm.encodeFirstStage(args.tensor(1, "images"))) }
        type.bound("decode_latents", doc: """
            ldm:decode_latents(latents) -> images
            Latents back to images in about [-1, 1] (quantised by the first stage, as the reference decodes samples).
            """) { ldm, args in try args.returning(tensor: ldm.decodeFirstStage(args.tensor(1, "latents"))) }
        type.bound("save", doc: """
            ldm:save(path [, options]) -> path
            Writes the whole model (reference names) and its configuration to a .safetensors file, atomically; mv.models.load_ldm reads it.
            dtype = "float32"  -- "float16" halves the file (the weights shipped with the project)
            """) { ldm, args in
            let path = try FileBindings.safetensorsPath(args)
            try LDMCheckpoint.write(URL(fileURLWithPath: path), model: ldm, halfPrecision: try FileBindings.halfPrecision(args.options(2), args: args))
            return try args.returning(path)
        }
        type.property("config", doc: """
            ldm.config -> table
            The configuration with the reference's keys: timesteps, linear_start, linear_end, scale_factor, unet_config, first_stage_config, cond_stage_config.
            """, get: { ldm, args in
                let values = shiftingNullClass(Dictionary(uniqueKeysWithValues: ldm.config.values.map { ($0.0, $0.1) }), by: 1)
                return try args.returning(ConfigTables.table(ldm.config.values.map { ($0.0, values[$0.0]!) }))
            })
        type.property("unet", doc: """
            ldm.unet -> UNet
            The noise-predicting UNet (model.diffusion_model).
            """, get: { ldm, args in try args.returning(module: ldm.unet) })
        type.property("first_stage", doc: """
            ldm.first_stage -> VQModel
            The frozen first stage (first_stage_model).
            """, get: { ldm, args in try args.returning(module: ldm.firstStage) })
        type.property("conditioner", doc: """
            ldm.conditioner -> Module
            The conditioning model (cond_stage_model): the fMRI conditioner or a class embedder.
            """, get: { ldm, args in try args.returning(module: ldm.conditioner) })
        return type
    }()

    /// The conditions of `fmri =` or `labels =` as the conditioner takes them (labels 0-based, fMRI [B, V]); nil when
    /// neither is given. Two of fmri/labels/context at once are an error; `contextOption` says whether the caller
    /// offers `context =` at all (for the error's wording).
    static func condition(_ options: LuaOptions, of ldm: LatentDiffusion, args: LuaArgs, contextGiven: Bool,
                          contextOption: Bool = true) throws -> Tensor? {
        let fmri = try options.userdata("fmri", as: Tensor.self), labels = try options.userdata("labels", as: Tensor.self)
        let given = [("context", contextGiven), ("fmri", fmri != nil), ("labels", labels != nil)].filter(\.1).map(\.0)
        guard given.count <= 1 else {
            let choices = contextOption ? "fmri =, labels = or context =" : "fmri = or labels ="
            throw args.error("give exactly one of \(choices) (got \(given.joined(separator: ", ")))")
        }
        if let labels {
            guard let embedder = ldm.conditioner as? ClassEmbedder else { throw args.error("labels = needs a class-conditional model; this one is conditioned on \(ldm.conditioner.typeName)") }
            // Compared as floats: inf or 3e38 must not reach Int(_:), which traps on them.
            if let bad = try labels.toArray().first(where: { !($0 >= 1 && $0 <= Float(embedder.classCount) && $0.rounded() == $0) }) {
                throw args.error("labels must be whole numbers in 1...\(embedder.classCount), found \(bad)")
            }
            return try labels - 1
        }
        if fmri != nil, ldm.conditioner is ClassEmbedder {
            throw args.error("fmri = needs an fMRI-conditioned model; this one is class-conditional (give labels =)")
        }
        if let fmri, fmri.rank == 3, fmri.shape[1] == 1 { return try fmri.reshape([fmri.shape[0], fmri.shape[2]]) }
        return fmri
    }

    static let configKeys: [String: String] = [
        "preset": "\"tiny\", \"small\" or \"paper\": the presets of the UNet and the first stage (their keys below are the preset's unless given)",
        "timesteps": "diffusion steps T", "linear_start": "β at t = 0", "linear_end": "β at t = T-1",
        "scale_factor": "latents are multiplied by it after encoding (the reference: 1.0)",
        "cond_stage_config": "the conditioner: {target = \"fmri\", num_voxels =, ...} (the stage-A encoder's keys) or {target = \"class\", n_classes =, null_class =, attributes =} (null_class a 1-based label, default the last class, 0 for none; attributes: per class but the null one its 1-based factor levels, e.g. sim.stimuli.factors.levels, making each class's embedding the sum of its levels' rows)",
        "unet_config": "the UNet's keys (help(mv.models.UNet))", "first_stage_config": "the first stage's keys (help(mv.models.VQModel))",
    ]

    static func install(_ state: LuaState) throws {
        try state.register(ldmType)
        try state.bind("mv.models", "LDM", doc: try ConfigHelp.text(
            signature: "mv.models.LDM{[preset, cond_stage_config = {...}, unet_config = {...}, first_stage_config = {...}, ...]} -> LDM",
            summary: "A latent diffusion model with the reference's structure and names (REFERENCE §4.2–4.5): a frozen VQ first stage, the UNet, and an fMRI conditioner or a class embedder.",
            reading: { _ = try LatentDiffusionConfig($0) }, meanings: configKeys,
            notes: ["A class embedder gives one context token: its UNet runs without time conditioning (use_time_cond = false) unless told otherwise."],
            name: "mv.models.LDM")) { args in
            let values = try ConfigTables.values(try args.value(1, "config"), function: args.function)
            return try args.returning(module: try LatentDiffusion(LatentDiffusionConfig(engineValues(values))))
        }
        try state.bind("mv.models", "load_ldm", doc: """
            mv.models.load_ldm(path [, config]) -> LDM
            Loads a latent diffusion model: ours (.safetensors with its configuration), or a reference finetuned.pth (model_state_dict) / model.ckpt by name, its configuration the paper preset completed from the weights unless given.
            A training checkpoint of ours that keeps averaged (EMA) weights loads those, as its validation and best-checkpoint choice used them; config = {ema = false} loads the raw ones.
            Unknown or missing keys are errors naming them; what was adapted is said on standard error.
            """) { args in
            var values = try ConfigTables.values(try args.value(2, "config"), function: args.function)
            let averaged = try values.removeValue(forKey: "ema").map { value in
                guard case .bool(let flag) = value else { throw args.error("config.ema must be true or false, got \(value.shown)") }
                return flag
            } ?? true
            let loaded = try LDMCheckpoint.load(URL(fileURLWithPath: try args.string(1, "path")), values: engineValues(values), averaged: averaged)
            for note in loaded.notes { args.warn(note) }
            return try args.returning(module: loaded.model)
        }
        try state.bind("mv.ldm", "condition_seed", doc: """
            mv.ldm.condition_seed(seed, i) -> integer
            The seed that ldm:generate{seed = seed, ...} gives its i-th condition (1-based): pass these as seeds = {...} to generate a subset of a dataset's items with the seeds they have when all are generated.
            """) { args in
            let seed = try args.integer(1, "seed", min: 0), index = try args.integer(2, "i", min: 1)
            return try args.returning(LuaValue.integer(Int(LatentDiffusion.conditionSeed(UInt64(seed), index: index - 1))))
        }
        try state.bind("mv.ldm", "from_pretrained", doc: """
            mv.ldm.from_pretrained{base =, encoder =, num_voxels = [, options]} -> LDM
            The start of stage B (the reference's fLDM): the UNet and first stage of a pretrained LDM (base: the reference's label2img model.ckpt or ours) and a new fMRI conditioner around a stage-A encoder (encoder: checkpoint.pth of A1/A2 or ours).
            base = required  -- the pretrained latent diffusion model
            encoder = required  -- the stage A checkpoint
            num_voxels = required  -- the training data's voxel count (padded to the patch size)
            global_pool = false  -- one pooled context token instead of 77
            use_time_cond = true  -- add the fMRI to the timestep embedding too (the reference's double conditioning)
            train_pos_embed = true  -- the encoder's position table trains in stage B (as a side effect of the reference's code)
            num_heads = 0  -- the encoder's attention heads when its checkpoint does not store them (0: from the checkpoint)
            base_config = nil  -- the configuration of a reference base file (default: the paper preset)
            ema = true  -- a base of ours with averaged (EMA) weights gives those (false: its raw weights)
            The position table is resampled (nearest, as the reference) when the encoder's length differs, with a warning.
            """) { args in
            let options = try args.options(1)
            guard let base = try options.string("base"), let encoder = try options.string("encoder") else {
                throw args.error("give base = a pretrained LDM and encoder = a stage A checkpoint")
            }
            var values = try ConfigTables.values(options, keys: ["num_voxels", "global_pool", "use_time_cond", "train_pos_embed", "num_heads", "base_config", "ema"],
                                                 function: args.function)
            if values["base_config"] == nil { values.removeValue(forKey: "base_config") }
            let loaded = try LDMCheckpoint.stageB(base: URL(fileURLWithPath: base), encoder: URL(fileURLWithPath: encoder), options: values)
            for note in loaded.notes { args.warn(note) }
            return try args.returning(module: loaded.model)
        }
    }

    /// The values of an LDM config from Lua for the engine: `cond_stage_config.null_class`, a 1-based label in Lua
    /// (0: no null class), checked here so that its error speaks Lua's numbering, then made 0-based.
    static func engineValues(_ values: [String: ConfigValue]) throws -> [String: ConfigValue] {
        guard case .table(let cond)? = values["cond_stage_config"], let null = cond.first(where: { $0.0 == "null_class" })?.1 else {
            return values
        }
        var count = ConditionerConfig.defaultClassCount
        if case .int(let n)? = cond.first(where: { $0.0 == "n_classes" })?.1 { count = n }
        let rule = "LDM cond_stage_config: 'null_class' must be a 1-based label in 1...\(count) (0: no null class)"
        guard case .int(let label) = null else { throw TensorError("\(rule), got a value that is not an integer") }
        guard (0...count).contains(label) else { throw TensorError("\(rule), got \(label)") }
        return shiftingNullClass(values, by: -1)
    }

    /// `cond_stage_config.null_class` is a label, 1-based in Lua like every index, 0-based in the engine.
    static func shiftingNullClass(_ values: [String: ConfigValue], by offset: Int) -> [String: ConfigValue] {
        guard case .table(var cond)? = values["cond_stage_config"],
              let position = cond.firstIndex(where: { $0.0 == "null_class" }), case .int(let label) = cond[position].1, label >= 0 || offset > 0 else {
            return values
        }
        cond[position].1 = .int(label + offset)
        var shifted = values
        shifted["cond_stage_config"] = .table(cond)
        return shifted
    }

    /// `steps`, `sampler`, `eta`, `guidance` from an options table.
    static func samplerOptions(_ options: LuaOptions, args: LuaArgs, timesteps: Int) throws -> SamplerOptions {
        let method = try options.string("sampler", default: "plms")
        guard let sampler = SamplerOptions.Method(rawValue: method) else { throw args.error("sampler must be \"plms\" or \"ddim\", got \"\(method)\"") }
        return SamplerOptions(method: sampler, steps: try options.integer("steps", default: 50, min: 1, max: timesteps),
                              eta: try options.number("eta", default: 0), guidance: try options.number("guidance", default: 1),
                              strength: try options.number("strength", default: 1))
    }
}
