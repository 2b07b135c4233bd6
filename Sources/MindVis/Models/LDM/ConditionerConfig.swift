import MindTensor

/// The `cond_stage_config` of a latent diffusion model: `target = "fmri"` (MinD-Vis's fMRI conditioner,
/// REFERENCE.md §4.3) or `target = "class"` (a class embedder, the label2img LDM's). The context width is the
/// UNet's `context_dim` and the pooling its `global_pool`, so neither is repeated here.
public enum ConditionerConfig: Equatable {
    /// The fMRI encoder keys of the MAE (its preset by default) plus `train_pos_embed`.
    public struct FMRI: Equatable {
        /// The encoder; `globalPool` follows the UNet's `global_pool`.
        public var encoder: FMRIEncoderConfig
        /// Whether stage B trains the encoder's position table. The reference does, as a side effect of
        /// `requires_grad_(True)` on the whole model before building its optimiser over all conditioner
        /// parameters, although the table is a fixed sin-cos table in stage A; true reproduces that.
        public var trainPosEmbed: Bool
    }

    /// `n_classes` rows (the reference's 1001: ImageNet's 1000 classes and a null class), `null_class` the
    /// row of the unconditional context (-1: none).
    public struct ClassLabel: Equatable {
        public var classCount: Int
        public var nullClass: Int?
        /// Each class's factor levels: embeddings summed from per-level rows (`ClassAttributes`); nil: one row per class.
        public var attributes: ClassAttributes?
    }

    case fmri(FMRI)
    case classLabel(ClassLabel)

    public static let targets = ["fmri", "class"]
    /// `n_classes` of a class embedder when the config leaves it out (the reference label2img's ImageNet classes
    /// and its null class).
    public static let defaultClassCount = 1001

    /// Reads the table; `preset` names the encoder preset (the LDM's by default), `globalPool` is the UNet's.
    public init(_ values: [String: ConfigValue], preset: String, globalPool: Bool) throws {
        var r = ConfigReader(values, context: "LDM cond_stage_config")
        switch try r.string("target", "fmri", allowed: ConditionerConfig.targets) {
        case "fmri":
            var encoder = try MAEConfig.preset(try r.string("preset", preset))
            try encoder.readEncoderKeys(&r)
            let trainPosEmbed = try r.bool("train_pos_embed", true)
            try r.finish()
            guard encoder.numVoxels > 0 else {
                throw TensorError("LDM cond_stage_config: 'num_voxels' is required (the dataset's voxel count, padded to the patch size): the default conditioner is the fMRI encoder; a class-conditional LDM takes cond_stage_config = {target = \"class\", n_classes = ...}")
            }
            guard encoder.numVoxels % encoder.patchSize == 0 else {
                throw TensorError("LDM cond_stage_config: num_voxels \(encoder.numVoxels) is not a multiple of patch_size \(encoder.patchSize); pad the data first (datasets pad to the patch size)")
            }
            guard encoder.embedDim % encoder.numHeads == 0 else {
                throw TensorError("LDM cond_stage_config: embed_dim \(encoder.embedDim) is not divisible by num_heads \(encoder.numHeads)")
            }
            self = .fmri(FMRI(encoder: FMRIEncoderConfig(mae: encoder, globalPool: globalPool), trainPosEmbed: trainPosEmbed))
        default:
            let count = try r.int("n_classes", ConditionerConfig.defaultClassCount, range: 1...(1 << 24))
            let null = try r.int("null_class", count - 1, range: -1...(count - 1))
            let attributes = try r.intLists("attributes").map { try ClassAttributes(oneBased: $0, context: "LDM cond_stage_config") }
            try r.finish()
            let c = ClassLabel(classCount: count, nullClass: null < 0 ? nil : null, attributes: attributes)
            _ = try attributes?.membership(classCount: count, nullClass: c.nullClass)  // the counts must agree
            self = .classLabel(c)
        }
    }

    /// The config as reference-named values (stored as JSON in checkpoints).
    public var values: [(String, ConfigValue)] {
        switch self {
        case .fmri(let c):
            let e = c.encoder
            return [("target", .string("fmri")), ("num_voxels", .int(e.numVoxels)), ("patch_size", .int(e.patchSize)),
                    ("embed_dim", .int(e.embedDim)), ("depth", .int(e.depth)), ("num_heads", .int(e.numHeads)),
                    ("mlp_ratio", .double(e.mlpRatio)), ("train_pos_embed", .bool(c.trainPosEmbed))]
        case .classLabel(let c):
            return [("target", .string("class")), ("n_classes", .int(c.classCount)), ("null_class", .int(c.nullClass ?? -1))]
                + (c.attributes.map { [("attributes", .list($0.oneBased.map { .list($0.map(ConfigValue.int)) }))] } ?? [])
        }
    }
}
