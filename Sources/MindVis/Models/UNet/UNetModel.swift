import MindTensor

/// The noise-prediction UNet of MinD-Vis's latent diffusion model (`UNetModel` of `openaimodel.py` with a
/// SpatialTransformer at every attention resolution, REFERENCE.md §4.4–4.5): ε̂ = unet(x_t, t, context).
/// The context conditions the model twice: as keys and values of every cross-attention, and — with
/// `use_time_cond` — through `time_embed_condtion` (the reference's misspelling, kept for weight
/// compatibility) added to the timestep embedding. Parameter names and order equal the reference's, so the
/// `model.diffusion_model.*` entries of an LDM checkpoint load with that prefix.
public final class UNetModel: Module {
    public let config: UNetConfig
    public let timeEmbed: Sequential
    /// Context -> [B, 1, time_embed_dim]: Conv1d(77 -> 38) and Conv1d(38 -> 1) mixing tokens, then a Linear
    /// (a single Linear on the pooled token with `global_pool`); nil without `use_time_cond`.
    public let timeEmbedCondition: Layer?
    public let inputBlocks: ModuleList<TimestepEmbedSequential>
    public let middleBlock: TimestepEmbedSequential
    public let outputBlocks: ModuleList<TimestepEmbedSequential>
    public let out: Sequential

    public init(_ config: UNetConfig, generator: Generator = .default) throws {
        try config.validate()
        self.config = config
        let c = config, ted = config.timeEmbedDim, mc = config.modelChannels
        timeEmbed = Sequential(try Linear(mc, ted, generator: generator), SiLU(), try Linear(ted, ted, generator: generator))
        if !c.useTimeCond {
            timeEmbedCondition = nil
        } else if c.globalPool {
            timeEmbedCondition = try Linear(c.contextDim, ted, generator: generator)
        } else {
            let tokens = UNetConfig.contextTokens
            timeEmbedCondition = Sequential(try Conv1d(tokens, tokens / 2, kernelSize: 1, generator: generator),
                                            try Conv1d(tokens / 2, 1, kernelSize: 1, generator: generator),
                                            try Linear(c.contextDim, ted, generator: generator))
        }

        func resBlock(_ from: Int, _ to: Int) throws -> TimestepEmbedSequential.Child {
            .resBlock(try ResBlock(channels: from, embChannels: ted, outChannels: to, dropout: c.dropout, generator: generator))
        }
        func transformer(_ channels: Int) throws -> TimestepEmbedSequential.Child {
            let (heads, headDim) = c.headLayout(channels: channels)
            return .transformer(try SpatialTransformer(channels: channels, heads: heads, headDim: headDim, depth: c.transformerDepth,
                                                       contextDim: c.contextDim, generator: generator))
        }

        // The encoder: the width of every block's output is pushed for the decoder's skip connections.
        var input = [TimestepEmbedSequential([.layer(try Conv2d(c.inChannels, mc, kernelSize: 3, padding: 1, generator: generator))])]
        var skipWidths = [mc]
        var ch = mc, ds = 1
        for (level, mult) in c.channelMult.enumerated() {
            for _ in 0..<c.numResBlocks {
                var layers = [try resBlock(ch, mult * mc)]
                ch = mult * mc
                if c.attentionResolutions.contains(ds) { layers.append(try transformer(ch)) }
                input.append(TimestepEmbedSequential(layers))
                skipWidths.append(ch)
            }
            if level != c.channelMult.count - 1 {
                input.append(TimestepEmbedSequential([.layer(try Downsample(channels: ch, generator: generator))]))
                skipWidths.append(ch)
                ds *= 2
            }
        }
        inputBlocks = ModuleList(input)
        middleBlock = TimestepEmbedSequential([try resBlock(ch, ch), try transformer(ch), try resBlock(ch, ch)])

        // The decoder: each block takes the concatenation of the running features and the matching skip.
        var output: [TimestepEmbedSequential] = []
        for (level, mult) in c.channelMult.enumerated().reversed() {
            for i in 0...c.numResBlocks {
                var layers = [try resBlock(ch + skipWidths.removeLast(), mc * mult)]
                ch = mc * mult
                if c.attentionResolutions.contains(ds) { layers.append(try transformer(ch)) }
                if level > 0 && i == c.numResBlocks {
                    layers.append(.layer(try Upsample(channels: ch, generator: generator)))
                    ds /= 2
                }
                output.append(TimestepEmbedSequential(layers))
            }
        }
        outputBlocks = ModuleList(output)
        let head = try Conv2d(mc, c.outChannels, kernelSize: 3, padding: 1, generator: generator)
        try Init.constant(head.weight, 0)
        if let b = head.bias { try Init.constant(b, 0) }
        out = Sequential(try GroupNorm(UNetConfig.normGroups, ch), SiLU(), head)
        super.init()
        registerModule("time_embed", timeEmbed)
        if let m = timeEmbedCondition { registerModule("time_embed_condtion", m as Module) }
        registerModule("input_blocks", inputBlocks)
        registerModule("middle_block", middleBlock)
        registerModule("output_blocks", outputBlocks)
        registerModule("out", out)
    }

    public override var summary: String {
        let c = config
        return "channels=\(c.modelChannels), mult=\(c.channelMult), attention=\(c.attentionResolutions), context=\(c.contextDim), time_cond=\(c.useTimeCond)"
    }

    /// `forward` under the model's registered name.
    public func callAsFunction(_ x: Tensor, t: Tensor, context: Tensor?) throws -> Tensor {
        try scoped { try forward(x, t: t, context: context) }
    }

    /// The predicted noise ε̂ [B, out_channels, H, W] for noisy latents x [B, in_channels, H, W] at timesteps
    /// t [B] (the reference's values 0..T-1; fractional values are allowed) under context [B, Tc, context_dim]
    /// (77 tokens for the time conditioning, one with `global_pool`).
    public func forward(_ x: Tensor, t: Tensor, context: Tensor?) throws -> Tensor {
        try checkInputs(x, t: t, context: context)
        var emb = try timeEmbed(timestepEmbedding(t, dim: config.modelChannels))
        if let context, let timeEmbedCondition {
            emb = try emb + timeEmbedCondition(context).squeeze(1)
        }
        var skips: [Tensor] = []
        var h = x
        for block in inputBlocks.items {
            h = try block(h, emb: emb, context: context)
            skips.append(h)
        }
        h = try middleBlock(h, emb: emb, context: context)
        for block in outputBlocks.items {
            h = try block(Tensor.cat([h, skips.removeLast()], dim: 1), emb: emb, context: context)
        }
        return try out(h)
    }

    /// Every input error a caller can make, reported before any work with the expected and actual shapes.
    func checkInputs(_ x: Tensor, t: Tensor, context: Tensor?) throws {
        let c = config
        guard x.rank == 4, x.shape[1] == c.inChannels else {
            throw TensorError("UNet: expects latents [B, \(c.inChannels), H, W], got \(Shape.describe(x.shape))")
        }
        let (b, height, width) = (x.shape[0], x.shape[2], x.shape[3])
        guard b > 0 else { throw TensorError("UNet: expects at least one sample, got an empty batch \(Shape.describe(x.shape))") }
        guard height > 0, width > 0, height % c.sizeDivisor == 0, width % c.sizeDivisor == 0 else {
            throw TensorError("UNet: latent size \(height)x\(width) must be positive and divisible by \(c.sizeDivisor) (\(c.channelMult.count - 1) downsamplings)")
        }
        guard t.shape == [b] else {
            throw TensorError("UNet: expects one timestep per sample (t of shape [\(b)]), got t of shape \(Shape.describe(t.shape))")
        }
        let steps = try t.toArray()
        guard steps.allSatisfy(\.isFinite) else { throw TensorError("UNet: timesteps must be finite numbers, got \(steps)") }
        guard let context else {
            if c.useTimeCond { throw TensorError("UNet: use_time_cond needs a context [B, \(c.globalPool ? 1 : UNetConfig.contextTokens), \(c.contextDim)]") }
            guard c.attentionWidths.allSatisfy({ c.headLayout(channels: $0).heads * c.headLayout(channels: $0).headDim == c.contextDim }) else {
                throw TensorError("UNet: no context given; pass a context [B, T, \(c.contextDim)] (without one, cross-attention attends to the features, which needs every attention width to equal context_dim)")
            }
            return
        }
        guard context.rank == 3, context.shape[0] == b, context.shape[2] == c.contextDim, context.shape[1] > 0 else {
            throw TensorError("UNet: expects a context [\(b), T, \(c.contextDim)] for \(b) latents, got \(Shape.describe(context.shape))")
        }
        if c.useTimeCond {
            let tokens = c.globalPool ? 1 : UNetConfig.contextTokens
            guard context.shape[1] == tokens else {
                throw TensorError("UNet: the time conditioning (use_time_cond\(c.globalPool ? ", global_pool" : "")) needs \(tokens) context token\(tokens == 1 ? "" : "s"), got \(Shape.describe(context.shape))")
            }
        }
    }
}
