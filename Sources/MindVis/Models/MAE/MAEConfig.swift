import MindTensor

/// Configuration of the fMRI masked autoencoder, with the reference's key names (REFERENCE.md §2.1)
/// and three presets: `tiny` (tests), `small` (trains in minutes on 2 cores) and `paper`.
public struct MAEConfig: Equatable {
    public var numVoxels: Int
    public var patchSize: Int
    public var embedDim: Int
    public var depth: Int
    public var numHeads: Int
    public var decoderEmbedDim: Int
    public var decoderDepth: Int
    public var decoderNumHeads: Int
    public var mlpRatio: Double
    /// Voxel range [a, b) whose patches are masked with weight `focusRate` (REFERENCE.md §2.3).
    public var focusRange: [Int]?
    public var focusRate: Double

    public var numPatches: Int { numVoxels / patchSize }

    public static let presetNames = ["tiny", "small", "paper"]

    static func preset(_ name: String) throws -> MAEConfig {
        switch name {
        case "tiny":
            return MAEConfig(numVoxels: 0, patchSize: 16, embedDim: 32, depth: 2, numHeads: 4, decoderEmbedDim: 16,
                             decoderDepth: 1, decoderNumHeads: 2, mlpRatio: 4, focusRange: nil, focusRate: 0.6)
        case "small":
            return MAEConfig(numVoxels: 0, patchSize: 16, embedDim: 256, depth: 6, numHeads: 8, decoderEmbedDim: 128,
                             decoderDepth: 2, decoderNumHeads: 4, mlpRatio: 4, focusRange: nil, focusRate: 0.6)
        case "paper":
            return MAEConfig(numVoxels: 0, patchSize: 16, embedDim: 1024, depth: 24, numHeads: 16, decoderEmbedDim: 512,
                             decoderDepth: 8, decoderNumHeads: 16, mlpRatio: 1, focusRange: nil, focusRate: 0.6)
        default:
            let hint = EditDistance.closest(to: name, among: presetNames).map { " (did you mean '\($0)'?)" } ?? ""
            throw TensorError("MAE: unknown preset '\(name)'\(hint); presets are \(presetNames.joined(separator: ", "))")
        }
    }

    /// Reads `preset` (default "small") and overrides any of its keys; `num_voxels` is required.
    public init(_ values: [String: ConfigValue]) throws {
        var r = ConfigReader(values, context: "MAE")
        self = try MAEConfig.preset(try r.string("preset", "small"))
        try readEncoderKeys(&r)
        decoderEmbedDim = try r.int("decoder_embed_dim", decoderEmbedDim, range: 1...65536)
        decoderDepth = try r.int("decoder_depth", decoderDepth, range: 0...256)
        decoderNumHeads = try r.int("decoder_num_heads", decoderNumHeads, range: 1...1024)
        focusRange = try r.intList("focus_range", focusRange)
        focusRate = try r.double("focus_rate", focusRate, range: 0...1)
        try r.finish()
        try validate()
    }

    init(numVoxels: Int, patchSize: Int, embedDim: Int, depth: Int, numHeads: Int, decoderEmbedDim: Int, decoderDepth: Int,
         decoderNumHeads: Int, mlpRatio: Double, focusRange: [Int]?, focusRate: Double) {
        (self.numVoxels, self.patchSize, self.embedDim, self.depth, self.numHeads) = (numVoxels, patchSize, embedDim, depth, numHeads)
        (self.decoderEmbedDim, self.decoderDepth, self.decoderNumHeads) = (decoderEmbedDim, decoderDepth, decoderNumHeads)
        (self.mlpRatio, self.focusRange, self.focusRate) = (mlpRatio, focusRange, focusRate)
    }

    /// The encoder keys shared with `FMRIEncoderConfig`.
    mutating func readEncoderKeys(_ r: inout ConfigReader) throws {
        numVoxels = try r.int("num_voxels", numVoxels, range: 0...(1 << 30))
        patchSize = try r.int("patch_size", patchSize, range: 1...65536)
        embedDim = try r.int("embed_dim", embedDim, range: 1...65536)
        depth = try r.int("depth", depth, range: 0...256)
        numHeads = try r.int("num_heads", numHeads, range: 1...1024)
        mlpRatio = try r.double("mlp_ratio", mlpRatio, range: 0.001...64)
    }

    func validate() throws {
        guard numVoxels > 0 else { throw TensorError("MAE: 'num_voxels' is required (the padded voxel count, a multiple of patch_size)") }
        guard numVoxels % patchSize == 0 else {
            throw TensorError("MAE: num_voxels \(numVoxels) is not a multiple of patch_size \(patchSize); pad the data first (datasets pad to the patch size)")
        }
        guard embedDim % numHeads == 0 else { throw TensorError("MAE: embed_dim \(embedDim) is not divisible by num_heads \(numHeads)") }
        guard decoderEmbedDim % decoderNumHeads == 0 else {
            throw TensorError("MAE: decoder_embed_dim \(decoderEmbedDim) is not divisible by decoder_num_heads \(decoderNumHeads)")
        }
        if let f = focusRange {
            guard f.count == 2, f[0] >= 0, f[0] < f[1], f[1] <= numVoxels else {
                throw TensorError("MAE: focus_range must be {start, end} voxel indices with 0 <= start < end <= num_voxels, got \(f)")
            }
        }
    }

    /// The config as reference-named values (stored as JSON in checkpoints).
    public var values: [(String, ConfigValue)] {
        var v: [(String, ConfigValue)] = [
            ("num_voxels", .int(numVoxels)), ("patch_size", .int(patchSize)), ("embed_dim", .int(embedDim)), ("depth", .int(depth)),
            ("num_heads", .int(numHeads)), ("decoder_embed_dim", .int(decoderEmbedDim)), ("decoder_depth", .int(decoderDepth)),
            ("decoder_num_heads", .int(decoderNumHeads)), ("mlp_ratio", .double(mlpRatio)), ("focus_rate", .double(focusRate)),
        ]
        if let f = focusRange { v.append(("focus_range", .list(f.map { .int($0) }))) }
        return v
    }
}
