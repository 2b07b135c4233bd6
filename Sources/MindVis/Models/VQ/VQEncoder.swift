import MindTensor

/// The reference's `Encoder` (REFERENCE.md §4.6): `conv_in`, one `ResolutionLevel` per `ch_mult` entry
/// (down-sampling after all but the last), the `mid` block, GroupNorm → swish → `conv_out` to z_channels.
public final class VQEncoder: Module, Layer {
    public let convIn: Conv2d
    public let down: ModuleList<ResolutionLevel>
    public let mid: MiddleBlock
    public let normOut: GroupNorm
    public let convOut: Conv2d

    public init(_ c: VQConfig.DDConfig, generator: Generator) throws {
        convIn = try Conv2d(c.inChannels, c.ch, kernelSize: 3, padding: 1, generator: generator)
        let inMult = [1] + c.chMult
        var resolution = c.resolution
        down = ModuleList(try (0..<c.levels).map { i in
            let widths = [c.ch * inMult[i]] + Array(repeating: c.ch * c.chMult[i], count: c.numResBlocks)
            let last = i == c.levels - 1
            defer { if !last { resolution /= 2 } }
            return try ResolutionLevel(widths: widths, attention: c.attnResolutions.contains(resolution), resample: last ? nil : .down,
                                       dropout: c.dropout, generator: generator)
        })
        let width = c.ch * c.chMult[c.levels - 1]
        mid = try MiddleBlock(channels: width, dropout: c.dropout, generator: generator)
        normOut = try vqNormalize(width)
        convOut = try Conv2d(width, c.zChannels, kernelSize: 3, padding: 1, generator: generator)
        super.init()
        registerModule("conv_in", convIn)
        registerModule("down", down)
        registerModule("mid", mid)
        registerModule("norm_out", normOut)
        registerModule("conv_out", convOut)
    }

    public func forward(_ x: Tensor) throws -> Tensor {
        var h = try convIn(x)
        for level in down.items { h = try level(h) }
        return try convOut(normOut.silu(mid(h)))
    }
}
