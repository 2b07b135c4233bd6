import MindTensor

/// MinD-Vis's `cond_stage_model` (REFERENCE.md §4.3): the stage-A encoder `mae` (no masking, no cls token),
/// then `channel_mapper` — two Conv1d(k = 1) mixing the L tokens into L/2 and then 77 (the token axis is the
/// channel axis, the same map for every feature) — and `dim_mapper`, a Linear to the UNet's context width:
/// fMRI [B, V] -> context [B, 77, context_dim]. With `global_pool` the encoder mean-pools its tokens and there
/// is no channel mapper: context [B, 1, context_dim]. The mappers start from PyTorch's default initialisation,
/// as in the reference, where they are new modules.
public final class FMRIConditioner: Module, ConditioningModel {
    public let config: ConditionerConfig.FMRI
    public let contextDim: Int
    public let mae: FMRIEncoder
    public let channelMapper: Sequential?
    public let dimMapper: Linear

    /// Tokens of the context: what the UNet's time conditioning reads (`UNetConfig.contextTokens`).
    public static let contextTokens = UNetConfig.contextTokens

    public init(_ config: ConditionerConfig.FMRI, contextDim: Int, generator: Generator = .default) throws {
        let e = config.encoder
        guard e.globalPool || e.numPatches >= 2 else {
            throw TensorError("FMRIConditioner: the channel mapper halves the \(e.numPatches) token(s) of the encoder; it needs at least 2 (num_voxels >= 2 * patch_size)")
        }
        self.config = config
        self.contextDim = contextDim
        mae = try FMRIEncoder(e, generator: generator)
        let tokens = e.numPatches
        channelMapper = e.globalPool ? nil : Sequential(try Conv1d(tokens, tokens / 2, kernelSize: 1, generator: generator),
                                                         try Conv1d(tokens / 2, FMRIConditioner.contextTokens, kernelSize: 1, generator: generator))
        dimMapper = try Linear(e.embedDim, contextDim, generator: generator)
        super.init()
        registerModule("mae", mae)
        if let channelMapper { registerModule("channel_mapper", channelMapper) }
        registerModule("dim_mapper", dimMapper)
    }

    public override var summary: String {
        "voxels=\(config.encoder.numVoxels), tokens=\(config.encoder.numPatches) -> \(config.encoder.globalPool ? 1 : FMRIConditioner.contextTokens), dim=\(config.encoder.embedDim) -> \(contextDim)"
    }

    public func callAsFunction(_ fmri: Tensor) throws -> Tensor { try scoped { try forward(fmri) } }

    /// fMRI [B, V] or [B, 1, V] -> context [B, 77, context_dim] ([B, 1, context_dim] with global pooling).
    public func forward(_ fmri: Tensor) throws -> Tensor {
        let b = try conditionCount(fmri)
        return try mapping(tokens: mae(fmri.reshape([b, 1, config.encoder.numVoxels])))
    }

    /// The encoder's tokens [B, L, embed_dim] (pooled: [B, 1, embed_dim]) -> context: the mappers alone.
    public func mapping(tokens: Tensor) throws -> Tensor {
        var h = tokens
        if let channelMapper { h = try channelMapper(h) }
        return try dimMapper(h)
    }

    /// The mappers' parameters (everything of the conditioner but the encoder).
    public var mapperParameters: [Tensor] { (channelMapper?.parameters() ?? []) + dimMapper.parameters() }

    public func context(_ conditions: Tensor) throws -> Tensor { try self(conditions) }

    /// There is no "no fMRI" input: the reference trains without conditioning dropout and samples without guidance.
    public func unconditionalContext() throws -> Tensor? { nil }

    public func droppingConditions(_ conditions: Tensor, probability: Double, generator: Generator) throws -> Tensor {
        guard probability == 0 else {
            throw TensorError("FMRIConditioner: conditioning dropout needs a null condition, which an fMRI conditioner does not have (use cond_dropout = 0)")
        }
        return conditions
    }

    public func conditionCount(_ conditions: Tensor) throws -> Int {
        let v = config.encoder.numVoxels
        guard (conditions.rank == 2 && conditions.shape[1] == v) || (conditions.rank == 3 && conditions.shape[1] == 1 && conditions.shape[2] == v) else {
            throw TensorError("FMRIConditioner: expects fMRI [B, \(v)] or [B, 1, \(v)], got \(Shape.describe(conditions.shape))")
        }
        return conditions.shape[0]
    }

    /// The stage-B parameters of the conditioner: all of them, without the encoder's position table unless
    /// `train_pos_embed` (the reference's behaviour, the default).
    public var finetunedParameters: [Tensor] {
        parameters().filter { config.trainPosEmbed || $0 !== mae.posEmbed }
    }

    /// Loads a stage-A state dict (an A1/A2 `checkpoint.pth` or ours) into the encoder as the reference's
    /// `fmri_encoder.load_checkpoint` does: `mask_token` and the decoder (`decoder_*`) are not part of the
    /// encoder and are skipped; a position table of another length is resampled to this encoder's token count
    /// (nearest, cls row kept) — never silently: the returned notes say so, for the caller to show. With global
    /// pooling the final `norm` is not loaded (pooled tokens have other statistics; the reference's substring
    /// match drops the blocks' norms too, which is not copied here). Any other key that does not fit is an error.
    @discardableResult
    public func loadEncoder(_ state: [(name: String, tensor: Tensor)], source: String) throws -> [String] {
        var notes: [String] = []
        var kept: [(name: String, tensor: Tensor)] = []
        let globalPool = config.encoder.globalPool, patches = config.encoder.numPatches
        for (name, tensor) in state where !(name == "mask_token" || name.hasPrefix("decoder_") || (globalPool && name.hasPrefix("norm."))) {
            guard name == "pos_embed", tensor.rank == 3, tensor.shape[1] - 1 != patches else {
                kept.append((name, tensor))
                continue
            }
            let trained = tensor.shape[1] - 1
            notes.append("\(source): the encoder was trained on \(trained) patches (\(trained * config.encoder.patchSize) voxels) but this model takes \(patches) (\(config.encoder.numVoxels) voxels): its position table was resampled (nearest, as the reference does), so positions and voxels no longer correspond exactly")
            kept.append((name, try nearestResampledPositionTable(tensor, patches: patches)))
        }
        try mae.loadChecked(kept, source: "\(source) (fMRI encoder)", allowMissing: { globalPool && $0.hasPrefix("norm.") })
        return notes
    }
}
