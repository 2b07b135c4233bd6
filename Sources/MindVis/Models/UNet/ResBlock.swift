import MindTensor

/// The UNet's residual block conditioned on the timestep embedding (`ResBlock` of `openaimodel.py`, without
/// scale-shift norm or up/down resampling, as MinD-Vis configures it): in_layers (GroupNorm, SiLU, 3x3 conv),
/// plus emb_layers (SiLU, Linear) of the embedding broadcast over H and W, out_layers (GroupNorm, SiLU,
/// dropout, zero-initialised 3x3 conv), added to the input through an identity or 1x1 `skip_connection`.
public final class ResBlock: Module {
    public let channels: Int, outChannels: Int
    public let inLayers: Sequential, embLayers: Sequential, outLayers: Sequential
    /// The 1x1 convolution when the width changes; the identity otherwise (no parameters, as the reference).
    public let skipConnection: Conv2d?

    public init(channels: Int, embChannels: Int, outChannels: Int? = nil, dropout: Double = 0, generator: Generator = .default) throws {
        let out = outChannels ?? channels
        (self.channels, self.outChannels) = (channels, out)
        inLayers = Sequential(try GroupNorm(UNetConfig.normGroups, channels), SiLU(),
                              try Conv2d(channels, out, kernelSize: 3, padding: 1, generator: generator))
        embLayers = Sequential(SiLU(), try Linear(embChannels, out, generator: generator))
        let last = try Conv2d(out, out, kernelSize: 3, padding: 1, generator: generator)
        try Init.constant(last.weight, 0)
        if let b = last.bias { try Init.constant(b, 0) }
        outLayers = Sequential(try GroupNorm(UNetConfig.normGroups, out), SiLU(), try Dropout(Float(dropout), generator: generator), last)
        skipConnection = out == channels ? nil : try Conv2d(channels, out, kernelSize: 1, generator: generator)
        super.init()
        registerModule("in_layers", inLayers)
        registerModule("emb_layers", embLayers)
        registerModule("out_layers", outLayers)
        if let skipConnection { registerModule("skip_connection", skipConnection) }
    }

    public override var summary: String { "in=\(channels), out=\(outChannels)" }

    public func callAsFunction(_ x: Tensor, emb: Tensor) throws -> Tensor { try scoped { try forward(x, emb: emb) } }

    /// x [B, channels, H, W], emb [B, embChannels] -> [B, outChannels, H, W].
    public func forward(_ x: Tensor, emb: Tensor) throws -> Tensor {
        let h = try inLayers(x)
        let shift = try embLayers(emb)
        let conditioned = try h + shift.reshape([shift.shape[0], outChannels, 1, 1])
        let residual = try outLayers(conditioned)
        return try (skipConnection?(x) ?? x) + residual
    }
}
