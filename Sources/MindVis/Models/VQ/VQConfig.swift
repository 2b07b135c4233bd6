import MindTensor

/// Configuration of the first-stage VQ autoencoder with the reference's keys (REFERENCE.md §4.2, §4.6):
/// `embed_dim`, `n_embed` and the `ddconfig` table shared by encoder and decoder. Presets: `tiny` (tests),
/// `small` (64×64 images, f = 4, 16×16×3 latents; trains on 2 cores) and `paper` (the LDM's f = 4 model).
public struct VQConfig: Equatable {
    /// The encoder/decoder architecture (`ddconfig` of the reference's YAML).
    public struct DDConfig: Equatable {
        public var doubleZ: Bool
        public var zChannels: Int
        public var resolution: Int
        public var inChannels: Int
        public var outCh: Int
        public var ch: Int
        public var chMult: [Int]
        public var numResBlocks: Int
        public var attnResolutions: [Int]
        public var dropout: Double

        /// Resolution levels; every level but the last halves the size.
        public var levels: Int { chMult.count }
        /// Spatial down-sampling factor f between image and latent.
        public var downsamplingFactor: Int { 1 << (levels - 1) }

        public var values: [(String, ConfigValue)] {
            [("double_z", .bool(doubleZ)), ("z_channels", .int(zChannels)), ("resolution", .int(resolution)),
             ("in_channels", .int(inChannels)), ("out_ch", .int(outCh)), ("ch", .int(ch)),
             ("ch_mult", .list(chMult.map { .int($0) })), ("num_res_blocks", .int(numResBlocks)),
             ("attn_resolutions", .list(attnResolutions.map { .int($0) })), ("dropout", .double(dropout))]
        }
    }

    public var embedDim: Int
    public var nEmbed: Int
    public var ddconfig: DDConfig

    public static let presetNames = ["tiny", "small", "paper"]

    /// Groups of every GroupNorm (the reference's `Normalize`): channel widths must be multiples of it.
    public static let normGroups = 32

    static func preset(_ name: String) throws -> VQConfig {
        func dd(resolution: Int, ch: Int, chMult: [Int], numResBlocks: Int) -> DDConfig {
            DDConfig(doubleZ: false, zChannels: 3, resolution: resolution, inChannels: 3, outCh: 3, ch: ch, chMult: chMult,
                     numResBlocks: numResBlocks, attnResolutions: [], dropout: 0)
        }
        switch name {
        case "tiny": return VQConfig(embedDim: 3, nEmbed: 32, ddconfig: dd(resolution: 16, ch: 32, chMult: [1, 2], numResBlocks: 1))
        case "small": return VQConfig(embedDim: 3, nEmbed: 1024, ddconfig: dd(resolution: 64, ch: 64, chMult: [1, 2, 2], numResBlocks: 1))
        case "paper": return VQConfig(embedDim: 3, nEmbed: 8192, ddconfig: dd(resolution: 256, ch: 128, chMult: [1, 2, 4], numResBlocks: 2))
        default:
            let hint = EditDistance.closest(to: name, among: presetNames).map { " (did you mean '\($0)'?)" } ?? ""
            throw TensorError("VQModel: unknown preset '\(name)'\(hint); presets are \(presetNames.joined(separator: ", "))")
        }
    }

    init(embedDim: Int, nEmbed: Int, ddconfig: DDConfig) {
        (self.embedDim, self.nEmbed, self.ddconfig) = (embedDim, nEmbed, ddconfig)
    }

    /// Reads `preset` (default "small") and overrides any of its keys, inside `ddconfig` too. Unknown keys,
    /// at either level, are errors naming the closest valid key.
    public init(_ values: [String: ConfigValue]) throws {
        var r = ConfigReader(values, context: "VQModel")
        self = try VQConfig.preset(try r.string("preset", "small"))
        embedDim = try r.int("embed_dim", embedDim, range: 1...65536)
        nEmbed = try r.int("n_embed", nEmbed, range: 1...(1 << 24))
        if let nested = try r.table("ddconfig") {
            var d = ConfigReader(nested, context: "VQModel ddconfig")
            var c = ddconfig
            c.doubleZ = try d.bool("double_z", c.doubleZ)
            c.zChannels = try d.int("z_channels", c.zChannels, range: 1...65536)
            c.resolution = try d.int("resolution", c.resolution, range: 1...65536)
            c.inChannels = try d.int("in_channels", c.inChannels, range: 1...65536)
            c.outCh = try d.int("out_ch", c.outCh, range: 1...65536)
            c.ch = try d.int("ch", c.ch, range: 1...65536)
            c.chMult = try d.intList("ch_mult", c.chMult) ?? c.chMult
            // At least one: without a block per level the levels never widen their channels, and the middle
            // block (built for the last level's width) would meet narrower maps.
            c.numResBlocks = try d.int("num_res_blocks", c.numResBlocks, range: 1...64)
            c.attnResolutions = try d.intList("attn_resolutions", c.attnResolutions) ?? c.attnResolutions
            c.dropout = try d.double("dropout", c.dropout, range: 0...0.999)
            try d.finish()
            ddconfig = c
        }
        try r.finish()
        try validate()
    }

    func validate() throws {
        let d = ddconfig
        guard !d.doubleZ else {
            throw TensorError("VQModel: ddconfig double_z must be false (a VQ encoder outputs z_channels, not a mean and a variance)")
        }
        guard !d.chMult.isEmpty, d.chMult.allSatisfy({ $0 > 0 && $0 <= 64 }) else {
            throw TensorError("VQModel: ddconfig ch_mult must be a non-empty list of multipliers in 1...64, got \(d.chMult)")
        }
        for width in [d.ch] + d.chMult.map({ d.ch * $0 }) where width % VQConfig.normGroups != 0 {
            throw TensorError("VQModel: channel width \(width) (ch \(d.ch) x ch_mult) is not a multiple of the \(VQConfig.normGroups) GroupNorm groups")
        }
        guard d.resolution % d.downsamplingFactor == 0 else {
            throw TensorError("VQModel: resolution \(d.resolution) is not divisible by 2^(levels-1) = \(d.downsamplingFactor) for ch_mult \(d.chMult)")
        }
        // A resolution no level has is harmless (the reference only asks whether a level's is in the list), but zero
        // or a negative one is a typo.
        guard d.attnResolutions.allSatisfy({ $0 > 0 }) else {
            throw TensorError("VQModel: ddconfig attn_resolutions must list positive map sizes, got \(d.attnResolutions)")
        }
    }

    /// Side of the square latent: resolution / f.
    public var latentSize: Int { ddconfig.resolution / ddconfig.downsamplingFactor }

    /// The config as reference-named values (stored as JSON in checkpoints), `ddconfig` nested.
    public var values: [(String, ConfigValue)] {
        [("embed_dim", .int(embedDim)), ("n_embed", .int(nEmbed)), ("ddconfig", .table(ddconfig.values))]
    }
}
