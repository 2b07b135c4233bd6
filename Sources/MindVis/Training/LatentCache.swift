import MindImage
import MindTensor

/// The first stage's latents of the training images, computed once (the VQ encoder is frozen, so re-encoding every
/// step would only repeat work): per image the latent of the uncropped image (variant 0) and of `crop_variants`
/// random crops resized back to full size (the reference's stage-B augmentation, REFERENCE.md §4.9). A training step
/// draws, per sample, a crop variant with the augmentation's probability and else the uncropped latent.
public struct LatentCache {
    /// [images · variants, C, h, w]: the variants of image i at rows i · variants ..< (i + 1) · variants.
    public let latents: Tensor
    public let imageCount: Int
    /// 1 + the number of crops per image.
    public let variants: Int

    /// Latents computed elsewhere, [images, C, h, w] (no crops) or [images, variants, C, h, w].
    public init(latents: Tensor) throws {
        switch latents.rank {
        case 4:
            (imageCount, variants) = (latents.shape[0], 1)
            self.latents = try latents.contiguous().detach()
        case 5:
            (imageCount, variants) = (latents.shape[0], latents.shape[1])
            self.latents = try latents.reshape([latents.shape[0] * latents.shape[1]] + Array(latents.shape.dropFirst(2))).contiguous().detach()
        default:
            throw TensorError("latent cache: latents must be [images, C, h, w] or [images, variants, C, h, w], got \(Shape.describe(latents.shape))")
        }
        guard imageCount > 0 else { throw TensorError("latent cache: no images") }
    }

    /// Encodes `images` (all of them, in order) with `model`'s first stage at its resolution: the uncropped image and
    /// `cropVariants` crops per image, the crops of image i drawn from a stream of `seed` of its own (so the cache does
    /// not depend on how images are batched), at most `batchSize` images (crops included) per encoder call, without
    /// gradients. `progress` gets
    /// (images done, images).
    public static func encode(images: ImageSet, model: LatentDiffusion, cropVariants: Int, cropRatio: Double, seed: UInt64,
                              batchSize: Int = 8, progress: ((Int, Int) -> Void)? = nil) throws -> LatentCache {
        let dd = model.config.firstStage.ddconfig, size = dd.resolution
        guard images.channels == dd.inChannels else {
            throw TensorError("latent cache: the images have \(images.channels) channels, the first stage takes \(dd.inChannels)")
        }
        guard images.count > 0, batchSize > 0 else { throw TensorError("latent cache: needs images and a positive batch size") }
        let crop = try RandomCropResize(size: size, cropFraction: cropRatio, probability: 1)
        var parts: [Tensor] = []
        let perCall = Swift.max(1, batchSize / (1 + cropVariants))
        var start = 0
        while start < images.count {
            let ids = Array(start..<Swift.min(images.count, start + perCall))
            let full = try images.chwImages(ids, size: size)
            var batch: [Tensor] = []
            for (k, image) in ids.enumerated() {
                var rng = Xoshiro256StarStar(seed: seed, stream: UInt64(image))
                let pixels = try full.select(0, k).contiguous().toArray()
                var variants = [pixels]
                for _ in 0..<cropVariants {
                    let decision = try crop.draw(height: size, width: size, rng: &rng)
                    variants.append(try crop.apply(pixels, channels: dd.inChannels, height: size, width: size, layout: .chw, decision: decision))
                }
                batch.append(try Tensor(variants.flatMap { $0 }, shape: [variants.count, dd.inChannels, size, size]))
            }
            let scaled = try Tensor.cat(batch, dim: 0) * 2 - 1
            parts.append(try model.encodeFirstStage(scaled))
            start += ids.count
            progress?(start, images.count)
        }
        let latents = try Tensor.cat(parts, dim: 0)
        return try LatentCache(latents: latents.reshape([images.count, 1 + cropVariants] + Array(latents.shape.dropFirst())))
    }

    /// The latents of `images` [n], each at its variant [n] ([n, C, h, w]).
    func select(images: [Int], variants chosen: [Int]) throws -> Tensor {
        let rows = zip(images, chosen).map { Float($0 * variants + $1) }
        return try latents.indexSelect(0, index: Tensor(rows))
    }
}
