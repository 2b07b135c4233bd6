import MindTensor

/// One resolution of the encoder (`down.i`) or decoder (`up.i`): ResnetBlocks `block.j`, each followed by
/// `attn.j` when the level's resolution is in `attn_resolutions`, then the `downsample` or `upsample` that
/// leads to the next level (none at the last one).
public final class ResolutionLevel: Module, Layer {
    public let block: ModuleList<ResnetBlock>
    public let attn: ModuleList<AttnBlock>
    public let downsample: AsymmetricDownsample?
    public let upsample: Upsample?

    enum Resample { case down, up }

    /// `widths` are the channel counts before the first block and after each block.
    init(widths: [Int], attention: Bool, resample: Resample?, dropout: Double, generator: Generator) throws {
        block = ModuleList(try zip(widths, widths.dropFirst()).map {
            try ResnetBlock(inChannels: $0, outChannels: $1, dropout: dropout, generator: generator)
        })
        attn = ModuleList(attention ? try widths.dropFirst().map { try AttnBlock(channels: $0, generator: generator) } : [])
        let out = widths[widths.count - 1]
        downsample = resample == .down ? try AsymmetricDownsample(channels: out, generator: generator) : nil
        upsample = resample == .up ? try Upsample(channels: out, generator: generator) : nil
        super.init()
        registerModule("block", block)
        registerModule("attn", attn)
        if let downsample { registerModule("downsample", downsample) }
        if let upsample { registerModule("upsample", upsample) }
    }

    public func forward(_ x: Tensor) throws -> Tensor {
        var h = x
        for j in 0..<block.count {
            h = try block[j](h)
            if attn.count > 0 { h = try attn[j](h) }
        }
        if let downsample { return try downsample(h) }
        if let upsample { return try upsample(h) }
        return h
    }
}
