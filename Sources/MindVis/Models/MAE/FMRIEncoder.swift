import MindTensor

/// Configuration of the conditioning encoder (`fmri_encoder` of the reference): the MAE encoder keys
/// plus `global_pool`.
public struct FMRIEncoderConfig: Equatable {
    public var numVoxels: Int, patchSize: Int, embedDim: Int, depth: Int, numHeads: Int
    public var mlpRatio: Double
    public var globalPool: Bool

    public init(_ values: [String: ConfigValue]) throws {
        var r = ConfigReader(values, context: "FMRIEncoder")
        var base = try MAEConfig.preset(try r.string("preset", "small"))
        try base.readEncoderKeys(&r)
        globalPool = try r.bool("global_pool", false)
        try r.finish()
        try base.validate()
        (numVoxels, patchSize, embedDim, depth, numHeads, mlpRatio) = (base.numVoxels, base.patchSize, base.embedDim, base.depth, base.numHeads, base.mlpRatio)
    }

    /// The encoder half of an MAE configuration.
    public init(mae: MAEConfig, globalPool: Bool = false) {
        (numVoxels, patchSize, embedDim, depth, numHeads, mlpRatio) = (mae.numVoxels, mae.patchSize, mae.embedDim, mae.depth, mae.numHeads, mae.mlpRatio)
        self.globalPool = globalPool
    }

    public var numPatches: Int { numVoxels / patchSize }
}

/// The stage-B conditioning encoder (REFERENCE.md §4.3 step 2): the MAE encoder without masking and
/// without the cls token — patch embedding, positions 1..L, blocks, then (optionally mean-pooled)
/// LayerNorm: [B, 1, V] -> [B, L, D] (or [B, 1, D] with global pooling). Same parameter names as the
/// MAE encoder, so A2 checkpoints load into it (decoder keys and `mask_token` are ignored).
public final class FMRIEncoder: Module, Layer {
    public let config: FMRIEncoderConfig
    public let patchEmbed: PatchEmbed1D
    public let clsToken: Tensor, posEmbed: Tensor
    public let blocks: ModuleList<TransformerBlock>
    public let norm: LayerNorm

    public init(_ config: FMRIEncoderConfig, generator: Generator = .default) throws {
        self.config = config
        let c = config
        patchEmbed = try PatchEmbed1D(numVoxels: c.numVoxels, patchSize: c.patchSize, embedDim: c.embedDim, generator: generator)
        clsToken = try Tensor.randn([1, 1, c.embedDim], std: 0.02, generator: generator)
        posEmbed = try sinCosPositionTable(dim: c.embedDim, length: c.numPatches)
        blocks = ModuleList(try (0..<c.depth).map { _ in
            try TransformerBlock(dim: c.embedDim, heads: c.numHeads, mlpRatio: c.mlpRatio, generator: generator)
        })
        norm = try LayerNorm(c.embedDim)
        super.init()
        try registerParameter("cls_token", clsToken)
        try registerParameter("pos_embed", posEmbed, trainable: false)
        registerModule("patch_embed", patchEmbed)
        registerModule("blocks", blocks)
        registerModule("norm", norm)
    }

    public override var summary: String {
        "voxels=\(config.numVoxels), patches=\(config.numPatches), dim=\(config.embedDim), depth=\(config.depth), global_pool=\(config.globalPool)"
    }

    public func forward(_ x: Tensor) throws -> Tensor {
        let tokens = try patchEmbed(x)
        var h = try tokens + posEmbed.narrow(1, start: 1, length: config.numPatches)
        for blk in blocks.items { h = try blk(h) }
        if config.globalPool { h = try h.mean(1, keepDim: true) }
        return try norm(h)
    }
}
