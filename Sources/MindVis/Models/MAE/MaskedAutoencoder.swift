import MindTensor

/// SC-MBM, the fMRI masked autoencoder of MinD-Vis stage A (`MAEforFMRI`, REFERENCE.md §2.2). Parameter
/// names equal the reference state dict, so `mae.pth`'s `model` loads by name and our checkpoints load
/// into the reference.
public final class MaskedAutoencoder: Module {
    public let config: MAEConfig
    public let patchEmbed: PatchEmbed1D
    public let clsToken: Tensor, posEmbed: Tensor, maskToken: Tensor, decoderPosEmbed: Tensor
    public let blocks: ModuleList<TransformerBlock>
    public let norm: LayerNorm
    public let decoderEmbed: Linear
    public let decoderBlocks: ModuleList<TransformerBlock>
    public let decoderNorm: LayerNorm
    public let decoderPred: Linear

    public init(_ config: MAEConfig, generator: Generator = .default) throws {
        try config.validate()
        self.config = config
        let c = config, l = config.numPatches
        patchEmbed = try PatchEmbed1D(numVoxels: c.numVoxels, patchSize: c.patchSize, embedDim: c.embedDim, generator: generator)
        clsToken = try Tensor.randn([1, 1, c.embedDim], std: 0.02, generator: generator)
        posEmbed = try sinCosPositionTable(dim: c.embedDim, length: l)
        maskToken = try Tensor.randn([1, 1, c.decoderEmbedDim], std: 0.02, generator: generator)
        decoderPosEmbed = try sinCosPositionTable(dim: c.decoderEmbedDim, length: l)
        blocks = ModuleList(try (0..<c.depth).map { _ in
            try TransformerBlock(dim: c.embedDim, heads: c.numHeads, mlpRatio: c.mlpRatio, generator: generator)
        })
        norm = try LayerNorm(c.embedDim)
        decoderEmbed = try Linear(c.embedDim, c.decoderEmbedDim, generator: generator)
        decoderBlocks = ModuleList(try (0..<c.decoderDepth).map { _ in
            try TransformerBlock(dim: c.decoderEmbedDim, heads: c.decoderNumHeads, mlpRatio: c.mlpRatio, generator: generator)
        })
        decoderNorm = try LayerNorm(c.decoderEmbedDim)
        decoderPred = try Linear(c.decoderEmbedDim, c.patchSize, generator: generator)
        super.init()
        // Registration order = the reference's state_dict order.
        try registerParameter("cls_token", clsToken)
        try registerParameter("pos_embed", posEmbed, trainable: false)
        try registerParameter("mask_token", maskToken)
        try registerParameter("decoder_pos_embed", decoderPosEmbed, trainable: false)
        registerModule("patch_embed", patchEmbed)
        registerModule("blocks", blocks)
        registerModule("norm", norm)
        registerModule("decoder_embed", decoderEmbed)
        registerModule("decoder_blocks", decoderBlocks)
        registerModule("decoder_norm", decoderNorm)
        registerModule("decoder_pred", decoderPred)
        try initializeLikeReference(generator: generator)
    }

    /// REFERENCE.md §1.4: Xavier-uniform Linear weights with zero bias, N(0, 0.02) patch-embedding
    /// weights with zero bias (the reference's generic init overwrites its Xavier init), unit LayerNorms.
    private func initializeLikeReference(generator: Generator) throws {
        for (_, m) in namedModules() {
            if let lin = m as? Linear {
                try Init.xavierUniform(lin.weight, generator: generator)
                if let b = lin.bias { try Init.constant(b, 0) }
            }
        }
        try Init.normal(patchEmbed.proj.weight, std: 0.02, generator: generator)
        if let b = patchEmbed.proj.bias { try Init.constant(b, 0) }
    }

    public override var summary: String {
        "voxels=\(config.numVoxels), patches=\(config.numPatches), dim=\(config.embedDim), depth=\(config.depth), decoder=\(config.decoderEmbedDim)x\(config.decoderDepth)"
    }

    /// The masking rule of this model (with its focus range, if configured) at `ratio`.
    public func masking(ratio: Double) throws -> RandomMasking {
        try RandomMasking(maskRatio: ratio, focus: config.focusRange.map { ($0[0], $0[1], config.focusRate) })
    }

    /// Patch tokens with their positions: [B, 1, V] -> [B, L, D].
    func positionedTokens(_ x: Tensor) throws -> Tensor {
        let tokens = try patchEmbed(x)
        return try tokens + posEmbed.narrow(1, start: 1, length: config.numPatches)
    }

    /// `tokens` [B, T, D] with the cls token (plus its zero position) in front.
    func prependingCls(_ tokens: Tensor) throws -> Tensor {
        let cls = try (clsToken + posEmbed.narrow(1, start: 0, length: 1)).expand([tokens.shape[0], 1, config.embedDim])
        return try Tensor.cat([cls, tokens], dim: 1)
    }

    /// Encoder blocks `range` applied to h.
    func encoderBlocks(_ h: Tensor, _ range: Range<Int>) throws -> Tensor {
        var h = h
        for i in range { h = try blocks[i](h) }
        return h
    }

    /// Encoder with masking: x [B, 1, V] -> latent [B, K+1, D] (cls first), mask [B, L], ids_restore [B, L].
    public func forwardEncoder(_ x: Tensor, maskRatio: Double = 0.75, noise: Tensor? = nil, generator: Generator = .default) throws
        -> (latent: Tensor, mask: Tensor, idsRestore: Tensor)
    {
        let placed = try positionedTokens(x)
        let (kept, mask, idsRestore) = try masking(ratio: maskRatio).apply(placed, patchSize: config.patchSize, noise: noise, generator: generator)
        let h = try encoderBlocks(prependingCls(kept), 0..<blocks.count)
        return (try norm(h), mask, idsRestore)
    }

    /// Decoder: latent [B, K+1, D] and ids_restore [B, L] -> per-patch prediction [B, L, p].
    public func forwardDecoder(_ latent: Tensor, idsRestore: Tensor) throws -> Tensor {
        let l = config.numPatches, dd = config.decoderEmbedDim
        guard latent.rank == 3, idsRestore.shape == [latent.shape[0], l] else {
            throw TensorError("MAE decoder: latent \(Shape.describe(latent.shape)) and ids_restore \(Shape.describe(idsRestore.shape)) do not fit \(l) patches")
        }
        let b = latent.shape[0], k = latent.shape[1] - 1
        guard k >= 0, k <= l else { throw TensorError("MAE decoder: latent has \(k + 1) tokens for \(l) patches") }
        let x = try decoderEmbed(latent)
        let maskTokens = try maskToken.expand([b, l - k, dd])
        let shuffled = try Tensor.cat([x.narrow(1, start: 1, length: k), maskTokens], dim: 1)
        let restored = try shuffled.gather(1, index: idsRestore.unsqueeze(-1).expand([b, l, dd]))
        var h = try Tensor.cat([x.narrow(1, start: 0, length: 1), restored], dim: 1) + decoderPosEmbed
        for blk in decoderBlocks.items { h = try blk(h) }
        h = try decoderNorm(h)
        let pred = try decoderPred(h)
        return try pred.narrow(1, start: 1, length: l)
    }

    /// Mean squared error per patch, averaged over masked patches only (all patches if none is masked).
    public func forwardLoss(_ x: Tensor, pred: Tensor, mask: Tensor) throws -> Tensor {
        let target = try patchify(x)
        guard pred.shape == target.shape, mask.shape == Array(target.shape.prefix(2)) else {
            throw TensorError("MAE loss: prediction \(Shape.describe(pred.shape)) and mask \(Shape.describe(mask.shape)) do not fit target \(Shape.describe(target.shape))")
        }
        let diff = try pred - target
        let perPatch = try (diff * diff).mean(-1)
        let masked = try mask.sum().item()
        let total = try (perPatch * mask).sum()
        return masked > 0 ? try total / masked : total
    }

    /// x [B, 1, V] -> [B, L, p].
    public func patchify(_ x: Tensor) throws -> Tensor {
        guard x.rank == 3, x.shape[1] == 1, x.shape[2] == config.numVoxels else {
            throw TensorError("MAE: expects fMRI [B, 1, \(config.numVoxels)], got \(Shape.describe(x.shape))")
        }
        return try x.reshape([x.shape[0], config.numPatches, config.patchSize])
    }

    /// [B, L, p] -> [B, 1, V].
    public func unpatchify(_ x: Tensor) throws -> Tensor {
        try x.reshape([x.shape[0], 1, config.numVoxels])
    }

    /// The whole masked autoencoding pass: (loss, prediction [B, L, p], mask [B, L]).
    public func callAsFunction(_ x: Tensor, maskRatio: Double = 0.75, noise: Tensor? = nil, generator: Generator = .default) throws
        -> (loss: Tensor, pred: Tensor, mask: Tensor)
    {
        let (latent, mask, ids) = try forwardEncoder(x, maskRatio: maskRatio, noise: noise, generator: generator)
        let pred = try forwardDecoder(latent, idsRestore: ids)
        return (try forwardLoss(x, pred: pred, mask: mask), pred, mask)
    }
}
