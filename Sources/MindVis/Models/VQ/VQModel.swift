import MindTensor

/// The first stage of the latent diffusion model (`VQModelInterface`, REFERENCE.md §4.6): encoder, vector
/// quantiser and decoder with 1×1 `quant_conv` / `post_quant_conv` between them. Parameter names equal the
/// reference state dict, so `first_stage_model.*` of an LDM checkpoint loads with that prefix.
public final class VQModel: Module {
    public let config: VQConfig
    public let encoder: VQEncoder
    public let decoder: VQDecoder
    public let quantizer: VectorQuantizer
    public let quantConv: Conv2d
    public let postQuantConv: Conv2d

    /// Everything the training forward computes.
    public struct Output {
        /// Decoded images [B, out_ch, H, W].
        public var reconstruction: Tensor
        /// The quantiser's codebook and commitment loss (0-d).
        public var embLoss: Tensor
        /// 0-based codebook indices [B·h·w] in (b, h, w) order.
        public var indices: Tensor
        /// The pre-quantisation latents [B, embed_dim, h, w] (after `quant_conv`).
        public var latents: Tensor
    }

    public init(_ config: VQConfig, generator: Generator = .default) throws {
        try config.validate()
        self.config = config
        let dd = config.ddconfig
        encoder = try VQEncoder(dd, generator: generator)
        decoder = try VQDecoder(dd, generator: generator)
        quantizer = try VectorQuantizer(count: config.nEmbed, dim: config.embedDim, generator: generator)
        quantConv = try Conv2d(dd.zChannels, config.embedDim, kernelSize: 1, generator: generator)
        postQuantConv = try Conv2d(config.embedDim, dd.zChannels, kernelSize: 1, generator: generator)
        super.init()
        registerModule("encoder", encoder)
        registerModule("decoder", decoder)
        registerModule("quantize", quantizer)
        registerModule("quant_conv", quantConv)
        registerModule("post_quant_conv", postQuantConv)
    }

    public override var summary: String {
        let d = config.ddconfig
        return "embed_dim=\(config.embedDim), n_embed=\(config.nEmbed), ch=\(d.ch), ch_mult=\(d.chMult), resolution=\(d.resolution), f=\(d.downsamplingFactor)"
    }

    /// Images [B, in_channels, resolution, resolution] in [−1, 1] → pre-quantisation latents [B, embed_dim, h, w]
    /// (the reference's `encode` of `VQModelInterface`: encoder, then `quant_conv`).
    public func encode(_ images: Tensor) throws -> Tensor {
        let d = config.ddconfig
        guard images.rank == 4, images.shape[0] > 0, images.shape[1] == d.inChannels, images.shape[2] == d.resolution, images.shape[3] == d.resolution else {
            throw TensorError("VQModel: expects images [B, \(d.inChannels), \(d.resolution), \(d.resolution)] (B at least 1) for this config, got \(Shape.describe(images.shape))")
        }
        return try quantConv(encoder(images))
    }

    /// Quantises latents [B, embed_dim, h, w]: (straight-through quantised latents, codebook loss, 0-based indices).
    public func quantize(_ latents: Tensor) throws -> (quant: Tensor, embLoss: Tensor, indices: Tensor) {
        try checkLatents(latents, "quantize")
        let (quant, loss, indices) = try quantizer(latents)
        return (quant, loss, indices)
    }

    /// Latents → images: quantised first unless `quantizeFirst` is false (the reference's `decode(h,
    /// force_not_quantize)`), then `post_quant_conv` and the decoder.
    public func decode(_ latents: Tensor, quantizeFirst: Bool = true) throws -> Tensor {
        try checkLatents(latents, "decode")
        let quant = quantizeFirst ? try quantize(latents).quant : latents
        return try decoder(postQuantConv(quant))
    }

    /// Images from 0-based codebook indices: [B, h, w], [B, h·w], or flat [B·h·w] in (b, h, w) order.
    public func decodeCode(_ indices: Tensor) throws -> Tensor {
        let side = config.latentSize, plane = side * side
        let batch: Int
        switch indices.rank {
        case 3 where indices.shape[1] == side && indices.shape[2] == side: batch = indices.shape[0]
        case 2 where indices.shape[1] == plane: batch = indices.shape[0]
        case 1 where indices.shape[0] % plane == 0 && indices.shape[0] > 0: batch = indices.shape[0] / plane
        default:
            throw TensorError("decode_code: expects indices [B, \(side), \(side)], [B, \(plane)] or a multiple of \(plane) flat, got \(Shape.describe(indices.shape))")
        }
        let quant = try quantizer.entries(indices, batch: batch, height: side, width: side)
        return try decoder(postQuantConv(quant))
    }

    /// The training forward: encode, quantise (straight-through), decode.
    public func forward(_ images: Tensor) throws -> Output {
        let latents = try encode(images)
        let (quant, loss, indices) = try quantizer(latents)
        let reconstruction = try decoder(postQuantConv(quant))
        return Output(reconstruction: reconstruction, embLoss: loss, indices: indices, latents: latents)
    }

    /// `(reconstruction, emb_loss)` of the training forward, as the reference's `forward`.
    public func callAsFunction(_ images: Tensor) throws -> (reconstruction: Tensor, embLoss: Tensor) {
        let out = try forward(images)
        return (out.reconstruction, out.embLoss)
    }

    private func checkLatents(_ latents: Tensor, _ op: String) throws {
        let side = config.latentSize
        guard latents.rank == 4, latents.shape[0] > 0, latents.shape[1] == config.embedDim, latents.shape[2] == side, latents.shape[3] == side else {
            throw TensorError("\(op): expects latents [B, \(config.embedDim), \(side), \(side)] (B at least 1) for this config, got \(Shape.describe(latents.shape))")
        }
    }
}

extension VQModel {
    /// Encode → quantise → decode of `images` without gradients, `batchSize` images at a time.
    public func reconstruct(_ images: Tensor, batchSize: Int = 8) throws -> Tensor {
        guard batchSize > 0, images.rank >= 1 else { throw TensorError("reconstruct: batch size must be positive and images batched") }
        guard images.shape[0] > 0 else { throw TensorError("reconstruct: expects at least one image, got an empty batch \(Shape.describe(images.shape))") }
        return try withNoGrad {
            let parts = try images.split(batchSize, dim: 0).map { try decode(encode($0)) }
            return try Tensor.cat(parts, dim: 0)
        }
    }
}
