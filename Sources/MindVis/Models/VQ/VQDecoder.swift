import MindTensor

/// The reference's `Decoder`: `conv_in` from z_channels to the deepest width, the `mid` block, then the levels
/// from the deepest (`up.<last>`) to the shallowest (`up.0`), each with num_res_blocks + 1 ResnetBlocks and an
/// up-sampling after all but `up.0`, and GroupNorm → swish → `conv_out` to out_ch.
public final class VQDecoder: Module, Layer {
    public let convIn: Conv2d
    public let mid: MiddleBlock
    public let up: ModuleList<ResolutionLevel>
    public let normOut: GroupNorm
    public let convOut: Conv2d

    public init(_ c: VQConfig.DDConfig, generator: Generator) throws {
        let deepest = c.ch * c.chMult[c.levels - 1]
        convIn = try Conv2d(c.zChannels, deepest, kernelSize: 3, padding: 1, generator: generator)
        mid = try MiddleBlock(channels: deepest, dropout: c.dropout, generator: generator)
        // Built deepest first, as the reference does, then listed shallowest first (its `up.insert(0, ...)`).
        var levels: [ResolutionLevel] = []
        var width = deepest, resolution = c.resolution / c.downsamplingFactor
        for i in (0..<c.levels).reversed() {
            let out = c.ch * c.chMult[i]
            let widths = [width] + Array(repeating: out, count: c.numResBlocks + 1)
            levels.insert(try ResolutionLevel(widths: widths, attention: c.attnResolutions.contains(resolution), resample: i == 0 ? nil : .up,
                                              dropout: c.dropout, generator: generator), at: 0)
            width = out
            if i != 0 { resolution *= 2 }
        }
        up = ModuleList(levels)
        normOut = try vqNormalize(width)
        convOut = try Conv2d(width, c.outCh, kernelSize: 3, padding: 1, generator: generator)
        super.init()
        registerModule("conv_in", convIn)
        registerModule("mid", mid)
        registerModule("up", up)
        registerModule("norm_out", normOut)
        registerModule("conv_out", convOut)
    }

    public func forward(_ z: Tensor) throws -> Tensor {
        var h = try mid(convIn(z))
        for level in up.items.reversed() { h = try level(h) }
        return try convOut(normOut.silu(h))
    }
}
