import MindTensor

/// The gated GELU projection of the latent-diffusion feed-forward: one Linear `proj` to twice the width,
/// split into a value half and a gate half, value * GELU(gate) (exact erf GELU, as `F.gelu`).
public final class GEGLU: Module, Layer {
    public let outFeatures: Int
    public let proj: Linear

    public init(_ inFeatures: Int, _ outFeatures: Int, generator: Generator = .default) throws {
        self.outFeatures = outFeatures
        proj = try Linear(inFeatures, 2 * outFeatures, generator: generator)
        super.init()
        registerModule("proj", proj)
    }

    public func forward(_ x: Tensor) throws -> Tensor { try proj(x).geglu() }
}
