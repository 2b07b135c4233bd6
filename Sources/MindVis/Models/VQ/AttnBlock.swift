import MindTensor

/// The reference's single-head spatial self-attention `AttnBlock`: GroupNorm, 1×1 convolutions `q`, `k`, `v`,
/// softmax(q kᵀ / √C) over the H·W positions, 1×1 `proj_out`, added to the input. The three 1×1 convolutions run
/// as one GEMM on the token layout [B, H·W, C] (their weights stacked), and attention reads them straight out of
/// it; without gradients the attention never holds the (H·W)² probability matrix (see `Tensor.attention`).
public final class AttnBlock: Module, Layer {
    public let channels: Int
    public let norm: GroupNorm, q: Conv2d, k: Conv2d, v: Conv2d, projOut: Conv2d

    public init(channels: Int, generator: Generator) throws {
        self.channels = channels
        norm = try vqNormalize(channels)
        q = try Conv2d(channels, channels, kernelSize: 1, generator: generator)
        k = try Conv2d(channels, channels, kernelSize: 1, generator: generator)
        v = try Conv2d(channels, channels, kernelSize: 1, generator: generator)
        projOut = try Conv2d(channels, channels, kernelSize: 1, generator: generator)
        super.init()
        registerModule("norm", norm)
        registerModule("q", q)
        registerModule("k", k)
        registerModule("v", v)
        registerModule("proj_out", projOut)
    }

    public override var summary: String { "channels=\(channels)" }

    public func forward(_ x: Tensor) throws -> Tensor {
        guard x.rank == 4, x.shape[1] == channels else {
            throw TensorError("attention block: expects [B, \(channels), H, W], got \(Shape.describe(x.shape))")
        }
        let (b, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let tokens = try norm(x).reshape([b, c, h * w]).transpose(1, 2)
        let weight = try Tensor.cat([q, k, v].map { try $0.weight.reshape([c, c]) }, dim: 0)
        let bias = try Tensor.cat([q, k, v].compactMap(\.bias), dim: 0)
        let qkv = try tokens.linear(weight: weight, bias: bias)
        let mixed = try Tensor.selfAttention(qkv: qkv, heads: 1)
        let projected = try projOut.scoped { try mixed.linear(weight: projOut.weight.reshape([c, c]), bias: projOut.bias) }
        return try x + projected.transpose(1, 2).reshape([b, c, h, w])
    }
}
