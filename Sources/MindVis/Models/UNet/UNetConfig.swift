import MindTensor

/// Configuration of the latent-diffusion UNet with the reference's key names (`UNetModel` of
/// `openaimodel.py`, REFERENCE.md §4.2) and three presets: `tiny` (tests; the size of the reference
/// fixture), `small` (16x16x3 latents, trains on 2 cores) and `paper` (the label2img LDM MinD-Vis starts from).
public struct UNetConfig: Equatable {
    public var imageSize: Int
    public var inChannels: Int
    public var outChannels: Int
    public var modelChannels: Int
    /// Downsampling factors (1, 2, 4, ...) at which a SpatialTransformer follows each ResBlock.
    public var attentionResolutions: [Int]
    public var numResBlocks: Int
    public var channelMult: [Int]
    /// Heads per attention layer, or -1 when `numHeadChannels` fixes the head width instead.
    public var numHeads: Int
    public var numHeadChannels: Int
    public var transformerDepth: Int
    public var contextDim: Int
    /// Adds `time_embed_condtion(context)` to the timestep embedding (MinD-Vis's second conditioning path).
    public var useTimeCond: Bool
    /// The context is one pooled token [B, 1, context_dim]; the time conditioning is then a single Linear.
    public var globalPool: Bool
    public var dropout: Double
    /// Stored by the reference and never used; kept so that reference configs read unchanged.
    public var condScale: Double

    /// The time conditioning's token-mixing Conv1d reads exactly this many context tokens (hard-coded in the
    /// reference, where the fMRI encoder's channel mapper produces 77 tokens).
    public static let contextTokens = 77
    /// Every GroupNorm of the UNet has 32 groups (the reference's `normalization` and `Normalize`).
    public static let normGroups = 32

    public var timeEmbedDim: Int { modelChannels * 4 }
    /// Input sizes must be divisible by this: one stride-2 downsampling between consecutive levels.
    public var sizeDivisor: Int { 1 << (channelMult.count - 1) }

    public static let presetNames = ["tiny", "small", "paper"]

    static func preset(_ name: String) throws -> UNetConfig {
        switch name {
        case "tiny":
            return UNetConfig(imageSize: 8, inChannels: 3, outChannels: 3, modelChannels: 32, attentionResolutions: [1, 2], numResBlocks: 1,
                              channelMult: [1, 2], numHeads: 2, numHeadChannels: -1, transformerDepth: 1, contextDim: 16,
                              useTimeCond: true, globalPool: false, dropout: 0, condScale: 1)
        case "small":
            return UNetConfig(imageSize: 16, inChannels: 3, outChannels: 3, modelChannels: 64, attentionResolutions: [2, 4], numResBlocks: 2,
                              channelMult: [1, 2, 2], numHeads: 4, numHeadChannels: -1, transformerDepth: 1, contextDim: 256,
                              useTimeCond: true, globalPool: false, dropout: 0, condScale: 1)
        case "paper":
            return UNetConfig(imageSize: 64, inChannels: 3, outChannels: 3, modelChannels: 192, attentionResolutions: [8, 4, 2], numResBlocks: 2,
                              channelMult: [1, 2, 3, 5], numHeads: 1, numHeadChannels: -1, transformerDepth: 1, contextDim: 512,
                              useTimeCond: true, globalPool: false, dropout: 0, condScale: 1)
        default:
            let hint = EditDistance.closest(to: name, among: presetNames).map { " (did you mean '\($0)'?)" } ?? ""
            throw TensorError("UNet: unknown preset '\(name)'\(hint); presets are \(presetNames.joined(separator: ", "))")
        }
    }

    /// Reads `preset` (default "small") and overrides any of its keys.
    public init(_ values: [String: ConfigValue]) throws {
        var r = ConfigReader(values, context: "UNet")
        self = try UNetConfig.preset(try r.string("preset", "small"))
        imageSize = try r.int("image_size", imageSize, range: 1...65536)
        inChannels = try r.int("in_channels", inChannels, range: 1...65536)
        outChannels = try r.int("out_channels", outChannels, range: 1...65536)
        modelChannels = try r.int("model_channels", modelChannels, range: 1...65536)
        attentionResolutions = try r.intList("attention_resolutions", attentionResolutions) ?? []
        numResBlocks = try r.int("num_res_blocks", numResBlocks, range: 1...64)
        channelMult = try r.intList("channel_mult", channelMult) ?? []
        numHeads = try r.int("num_heads", numHeads, range: -1...4096)
        numHeadChannels = try r.int("num_head_channels", numHeadChannels, range: -1...65536)
        transformerDepth = try r.int("transformer_depth", transformerDepth, range: 1...64)
        contextDim = try r.int("context_dim", contextDim, range: 1...65536)
        useTimeCond = try r.bool("use_time_cond", useTimeCond)
        globalPool = try r.bool("global_pool", globalPool)
        dropout = try r.double("dropout", dropout, range: 0...0.999)
        condScale = try r.double("cond_scale", condScale)
        guard try r.bool("use_spatial_transformer", true) else {
            throw TensorError("UNet: only use_spatial_transformer = true is supported (MinD-Vis conditions every attention layer on the context)")
        }
        try r.finish()
        try validate()
    }

    init(imageSize: Int, inChannels: Int, outChannels: Int, modelChannels: Int, attentionResolutions: [Int], numResBlocks: Int,
         channelMult: [Int], numHeads: Int, numHeadChannels: Int, transformerDepth: Int, contextDim: Int, useTimeCond: Bool,
         globalPool: Bool, dropout: Double, condScale: Double) {
        (self.imageSize, self.inChannels, self.outChannels, self.modelChannels) = (imageSize, inChannels, outChannels, modelChannels)
        (self.attentionResolutions, self.numResBlocks, self.channelMult) = (attentionResolutions, numResBlocks, channelMult)
        (self.numHeads, self.numHeadChannels, self.transformerDepth, self.contextDim) = (numHeads, numHeadChannels, transformerDepth, contextDim)
        (self.useTimeCond, self.globalPool, self.dropout, self.condScale) = (useTimeCond, globalPool, dropout, condScale)
    }

    func validate() throws {
        guard !channelMult.isEmpty, channelMult.allSatisfy({ $0 > 0 && $0 <= 64 }) else {
            throw TensorError("UNet: channel_mult must be a non-empty list of multipliers in 1...64, got \(channelMult)")
        }
        guard channelMult.count <= 12 else { throw TensorError("UNet: at most 12 levels (channel_mult entries), got \(channelMult.count)") }
        guard modelChannels % UNetConfig.normGroups == 0 else {
            throw TensorError("UNet: model_channels \(modelChannels) must be a multiple of 32 (every GroupNorm has 32 groups)")
        }
        // A factor beyond the last level is allowed (the reference's ImageNet LDM lists 8 with three levels, never
        // reached), but one that is not a power of two can match no level.
        guard attentionResolutions.allSatisfy({ $0 > 0 && $0 & ($0 - 1) == 0 }) else {
            throw TensorError("UNet: attention_resolutions are downsampling factors (1, 2, 4, ...), got \(attentionResolutions)")
        }
        guard numHeads > 0 || numHeadChannels > 0 else {
            throw TensorError("UNet: set num_heads or num_head_channels (got num_heads \(numHeads), num_head_channels \(numHeadChannels))")
        }
        guard numHeads != 0, numHeadChannels != 0 else { throw TensorError("UNet: num_heads and num_head_channels must not be 0") }
        for width in attentionWidths {
            let (heads, headDim) = headLayout(channels: width)
            guard heads > 0, headDim > 0 else {
                throw TensorError("UNet: an attention layer of width \(width) cannot have \(numHeadChannels > 0 ? "heads of \(numHeadChannels) channels" : "\(numHeads) heads")")
            }
        }
        guard imageSize % sizeDivisor == 0 else {
            throw TensorError("UNet: image_size \(imageSize) must be divisible by \(sizeDivisor) (\(channelMult.count - 1) downsamplings)")
        }
    }

    /// Channel counts of the SpatialTransformers, in model order.
    var attentionWidths: [Int] {
        var widths: [Int] = []
        var ds = 1
        for (level, mult) in channelMult.enumerated() {
            if attentionResolutions.contains(ds) { widths.append(mult * modelChannels) }
            if level != channelMult.count - 1 { ds *= 2 }
        }
        widths.append(channelMult.last! * modelChannels)
        return widths
    }

    /// Heads and head width of an attention layer over `channels` features, as the reference computes them
    /// with its default `legacy` sizing: the head width is channels // heads.
    func headLayout(channels: Int) -> (heads: Int, headDim: Int) {
        let heads = numHeadChannels > 0 ? channels / numHeadChannels : numHeads
        return (heads, heads > 0 ? channels / heads : 0)
    }

    /// The config as reference-named values (stored as JSON in checkpoints).
    public var values: [(String, ConfigValue)] {
        [("image_size", .int(imageSize)), ("in_channels", .int(inChannels)), ("out_channels", .int(outChannels)),
         ("model_channels", .int(modelChannels)), ("attention_resolutions", .list(attentionResolutions.map { .int($0) })),
         ("num_res_blocks", .int(numResBlocks)), ("channel_mult", .list(channelMult.map { .int($0) })), ("num_heads", .int(numHeads)),
         ("num_head_channels", .int(numHeadChannels)), ("use_spatial_transformer", .bool(true)), ("transformer_depth", .int(transformerDepth)),
         ("context_dim", .int(contextDim)), ("use_time_cond", .bool(useTimeCond)), ("global_pool", .bool(globalPool)),
         ("dropout", .double(dropout)), ("cond_scale", .double(condScale))]
    }
}
