import Foundation
import MindIO
import MindTensor

/// Reading and writing latent diffusion checkpoints. Ours are safetensors: the model state dict under the
/// reference's names, optimizer state under `optimizer.`, averaged weights under `ema.`, the config (and
/// training state) as JSON in the metadata, written atomically. Reference files load by name too: a
/// `finetuned.pth` (`model_state_dict`) as a whole, or — to start stage B — an LDM `model.ckpt` (`state_dict`) or
/// a label2img checkpoint of ours plus a stage-A encoder `checkpoint.pth` (`stageB`). Keys that do not fit are
/// errors naming them; the few that the reference carries but never uses are skipped with a note.
public enum LDMCheckpoint {
    public static let format = "mindvis.ldm.v1"

    /// A loaded model and what the caller should tell the user about the loading (skipped parts, resampled tables).
    public struct Loaded {
        public var model: LatentDiffusion
        public var notes: [String]
    }

    /// What a file holds: model tensors, our training state and metadata.
    public struct Contents {
        public var model: [(name: String, tensor: Tensor)]
        public var optimizer: [(name: String, tensor: Tensor)]
        public var ema: [(name: String, tensor: Tensor)]
        /// Our stored model config; nil for reference files.
        public var config: LatentDiffusionConfig?
        public var metadata: [String: String]
        /// What `withModelWeights` changed, for the caller to tell the user.
        public var notes: [String] = []

        /// The contents with the model weights a user of this file means. A training checkpoint of ours with an
        /// exponential moving average (label2img's default) validated and chose its best checkpoint with the
        /// averaged weights, and the shipped weights are those: with `averaged` they replace the raw ones (a note
        /// says so); without it, or without an average, the raw weights stay.
        func withModelWeights(averaged: Bool, source: String) -> Contents {
            guard averaged, !ema.isEmpty else { return self }
            let average = Dictionary(ema.map { ($0.name, $0.tensor) }, uniquingKeysWith: { a, _ in a })
            var contents = self
            contents.model = model.map { entry in (entry.name, average[entry.name] ?? entry.tensor) }
            contents.notes.append("\(source): its averaged (EMA) weights were loaded for the \(ema.count) tensors that have them, as its validation used them; ema = false loads the raw ones")
            return contents
        }
    }

    public static func read(_ url: URL) throws -> Contents {
        let file = try TrainingCheckpointFile(url, kind: "LDM checkpoint")
        try TrainingCheckpointFile.requireFormat(file.metadata, expected: format, file: url.lastPathComponent)
        let config = try file.config.map { values in try withErrorContext(url.lastPathComponent) { try LatentDiffusionConfig(values) } }
        return Contents(model: file.model, optimizer: file.optimizer, ema: file.ema, config: config, metadata: file.metadata)
    }

    /// A whole model: ours with its stored config, or a reference `finetuned.pth` built from `values` (an LDM
    /// config, preset "paper" unless given) completed from the weights' shapes — the first stage's architecture and
    /// the encoder's voxel count, patch size, width, depth and MLP ratio (not its head count, which no shape tells).
    /// `averaged`: a training checkpoint of ours with EMA weights gives those (see `Contents.withModelWeights`).
    public static func load(_ url: URL, values: [String: ConfigValue] = [:], averaged: Bool = true) throws -> Loaded {
        let source = url.lastPathComponent
        let contents = try read(url).withModelWeights(averaged: averaged, source: source)
        let config: LatentDiffusionConfig
        if let stored = contents.config {
            guard values.isEmpty else {
                throw TensorError("\(source) holds its own model configuration; load it without one (it has \(values.keys.sorted().joined(separator: ", ")))")
            }
            config = stored
        } else {
            config = try withErrorContext(source) { try referenceConfig(values, state: contents.model) }
        }
        let model = try LatentDiffusion(config)
        var notes = contents.notes
        let state = try usedEntries(contents.model, source: source, notes: &notes) { name in
            // The reference encoder registers a mask token it never uses in stage B.
            name == "cond_stage_model.mae.mask_token"
        }
        try model.loadChecked(state, source: source)
        return Loaded(model: model, notes: notes)
    }

    /// The start of stage B: the UNet and first stage of a pretrained LDM `base` (the reference's label2img
    /// `model.ckpt`, or a checkpoint of ours) and a new fMRI conditioner around the stage-A encoder `encoder`
    /// (`checkpoint.pth` of A1/A2, or ours), as the reference's `fLDM` builds it. Options (REFERENCE.md §4.1 names):
    /// `num_voxels` (required: the dataset's), `global_pool` (false), `use_time_cond` (true), `train_pos_embed`
    /// (true), `num_heads` (the encoder's, when its checkpoint does not store it), `base_config` (an LDM config
    /// for a reference base file; preset "paper" unless given). The UNet's `time_embed_condtion` is new when the base
    /// has none (the reference's ImageNet LDM has none) and starts from PyTorch's default initialisation, as do
    /// the mappers; the base's own conditioner (a class embedder) is replaced.
    public static func stageB(base: URL, encoder: URL, options: [String: ConfigValue]) throws -> Loaded {
        var r = ConfigReader(options, context: "LDM stage B")
        let numVoxels = try r.int("num_voxels", 0, range: 0...(1 << 30))
        let globalPool = try r.bool("global_pool", false)
        let useTimeCond = try r.bool("use_time_cond", true)
        let trainPosEmbed = try r.bool("train_pos_embed", true)
        let heads = try r.int("num_heads", 0, range: 0...1024)
        let baseValues = try r.table("base_config") ?? [:]
        let averaged = try r.bool("ema", true)
        try r.finish()
        guard numVoxels > 0 else { throw TensorError("LDM stage B: 'num_voxels' is required (the training data's voxel count, padded to the patch size)") }

        let baseName = base.lastPathComponent, encoderName = encoder.lastPathComponent
        let baseContents = try read(base).withModelWeights(averaged: averaged, source: baseName)
        let baseConfig: LatentDiffusionConfig
        if let stored = baseContents.config {
            guard baseValues.isEmpty else { throw TensorError("\(baseName) holds its own model configuration; drop base_config") }
            baseConfig = stored
        } else {
            baseConfig = try withErrorContext(baseName) { try referenceConfig(baseValues, state: baseContents.model, conditioner: false) }
        }
        let encoderContents = try MAECheckpoint.read(encoder)
        var cond = try withErrorContext(encoderName) { try MAECheckpoint.encoderValues(for: encoderContents.model) }
        cond["num_voxels"] = .int(numVoxels)
        cond["train_pos_embed"] = .bool(trainPosEmbed)
        if heads > 0 { cond["num_heads"] = .int(heads) } else if let stored = encoderContents.storedConfig["num_heads"] { cond["num_heads"] = stored }
        guard cond["num_heads"] != nil else {
            throw TensorError("LDM stage B: \(encoderName) does not store the encoder's number of attention heads; pass num_heads")
        }
        var unet = baseConfig.unet.values
        unet.removeAll { ["use_time_cond", "global_pool"].contains($0.0) }
        unet += [("use_time_cond", .bool(useTimeCond)), ("global_pool", .bool(globalPool))]
        var values = Dictionary(uniqueKeysWithValues: baseConfig.values.map { ($0.0, $0.1) })
        values["unet_config"] = .table(unet)
        values["cond_stage_config"] = .table(cond.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
        let model = try LatentDiffusion(try LatentDiffusionConfig(values))

        var notes = baseContents.notes
        let state = try usedEntries(baseContents.model, source: baseName, notes: &notes) { $0.hasPrefix("cond_stage_model.") }
        if baseContents.model.contains(where: { $0.name.hasPrefix("cond_stage_model.") }) {
            notes.append("\(baseName): its conditioner (cond_stage_model) is replaced by the fMRI conditioner")
        }
        let newTimeConditioning = try model.loadChecked(state, source: baseName) { name in
            name.hasPrefix("cond_stage_model.") || name.hasPrefix("model.diffusion_model.time_embed_condtion.")
        }
        if newTimeConditioning.contains(where: { $0.hasPrefix("model.diffusion_model.") }) {
            notes.append("\(baseName): has no time conditioning (time_embed_condtion); it starts from a fresh initialisation, as in the reference")
        }
        guard let conditioner = model.conditioner as? FMRIConditioner else { throw TensorError("LDM stage B: internal: no fMRI conditioner") }
        notes += try conditioner.loadEncoder(encoderContents.model, source: encoderName)
        return Loaded(model: model, notes: notes)
    }

    /// `values` (preset "paper" unless given) completed from a reference state dict's shapes: the first stage's
    /// architecture unless `first_stage_config` is given, and the fMRI encoder's shape keys not given.
    static func referenceConfig(_ values: [String: ConfigValue], state: [(name: String, tensor: Tensor)], conditioner: Bool = true) throws -> LatentDiffusionConfig {
        _ = try LatentDiffusionConfig.TopLevel(values)
        // A UNet's or first stage's own state dict has none of the LDM's prefixes: say so before inferring parts from it.
        let parts = ["model.diffusion_model.", "first_stage_model."]
        for prefix in parts where !state.contains(where: { $0.name.hasPrefix(prefix) }) {
            let example = state.first.map { " (its first key: '\($0.name)')" } ?? " (it is empty)"
            throw TensorError("not a latent diffusion checkpoint: no key starts with '\(prefix)'\(example); an LDM holds \(parts.map { "'\($0)*'" }.joined(separator: " and ")) keys")
        }
        var values = values
        values["preset"] = values["preset"] ?? .string("paper")
        if values["first_stage_config"] == nil {
            let firstStage = state.compactMap { entry in entry.name.dropPrefix("first_stage_model.").map { ($0, entry.tensor) } }
            let preset = try LatentDiffusionConfig(["preset": values["preset"]!, "cond_stage_config": .table([("target", .string("class"))])])
            let inferred = try VQCheckpoint.inferConfig(firstStage, resolution: preset.firstStage.ddconfig.resolution)
            values["first_stage_config"] = .table(inferred.values)
        }
        if conditioner {
            var cond: [String: ConfigValue] = [:]
            if case .table(let pairs)? = values["cond_stage_config"] { for (k, v) in pairs { cond[k] = v } }
            if cond["target"] == nil || cond["target"] == .string("fmri") {
                let encoder = state.compactMap { entry in entry.name.dropPrefix("cond_stage_model.mae.").map { ($0, entry.tensor) } }
                guard !encoder.isEmpty else {
                    throw TensorError("no fMRI encoder (cond_stage_model.mae.*) in the checkpoint, which an fMRI-conditioned LDM (the default cond_stage_config) needs; for a class-conditional one give cond_stage_config = {target = \"class\", n_classes = ...}")
                }
                for (k, v) in try MAECheckpoint.encoderValues(for: encoder) where cond[k] == nil { cond[k] = v }
            }
            values["cond_stage_config"] = .table(cond.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
        } else {
            values["cond_stage_config"] = .table([("target", .string("class"))])
            var unet: [(String, ConfigValue)] = []
            if case .table(let pairs)? = values["unet_config"] { unet = pairs }
            if !unet.contains(where: { $0.0 == "use_time_cond" }) { unet.append(("use_time_cond", .bool(false))) }
            values["unet_config"] = .table(unet)
        }
        return try LatentDiffusionConfig(values)
    }

    /// The state without the entries the reference carries but never uses: an EMA copy (`model_ema.*`; the reference
    /// trains without one) with a note, and what `skip` names.
    static func usedEntries(_ state: [(name: String, tensor: Tensor)], source: String, notes: inout [String],
                            skip: (String) -> Bool) throws -> [(name: String, tensor: Tensor)] {
        let ema = state.filter { $0.name.hasPrefix("model_ema.") }
        if !ema.isEmpty { notes.append("\(source): \(ema.count) averaged (model_ema) tensors were not loaded; the reference does not use them (use_ema false)") }
        return state.filter { !$0.name.hasPrefix("model_ema.") && !skip($0.name) }
    }

    /// Writes the model (optionally optimizer state and averaged weights) with its config in the metadata, atomically;
    /// `halfPrecision` stores the parameters as float16 (half the size; loading widens them).
    public static func write(_ url: URL, model: LatentDiffusion, optimizer: [(name: String, tensor: Tensor)] = [],
                             ema: [(name: String, tensor: Tensor)] = [], metadata extra: [String: String] = [:],
                             halfPrecision: Bool = false) throws {
        try TrainingCheckpointFile.write(url, state: model.stateDict(), optimizer: optimizer, ema: ema, metadata: extra, format: format,
                                         config: model.config.values,
                                         halved: halfPrecision ? Set(model.namedParameters().map(\.name)) : [])
    }
}
