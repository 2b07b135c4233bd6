import MindTensor

/// The baseline beside every number (issue 16): ridge regression from voxels to the first stage's latents,
/// decoded by the VQ model like the diffusion model's samples (quantised, then the decoder), and scored with
/// the same metrics. The penalty is chosen by K-fold cross-validation on the training rows (`RidgeDecoder`:
/// z-scored voxels and latents, a relative penalty grid, the dual form when voxels outnumber samples).
public struct RidgeBaseline: Sendable {
    public let decoder: RidgeDecoder
    /// One latent's shape [embed_dim, h, w].
    public let latentShape: [Int]

    /// Fits voxels `fmri` [N, V] to `latents` [N, embed_dim, h, w].
    public static func fit(fmri: Tensor, latents: Tensor, penalties: [Double] = RidgeDecoder.defaultPenalties, folds: Int = 5,
                           seed: UInt64 = 0) throws -> RidgeBaseline {
        guard fmri.rank == 2, latents.rank >= 2 else {
            throw TensorError("ridge baseline: needs fMRI [N, V] (2-D) and targets [N, ...] (at least 2-D: one row per sample), got \(Shape.describe(fmri.shape)) and \(Shape.describe(latents.shape))")
        }
        guard latents.shape[0] == fmri.shape[0] else {
            throw TensorError("ridge baseline: needs fMRI [N, V] and targets [N, ...] with the same N, got \(Shape.describe(fmri.shape)) and \(Shape.describe(latents.shape))")
        }
        let decoder = try RidgeDecoder.fit(x: fmri.contiguous().toArray(), y: latents.contiguous().toArray(), samples: fmri.shape[0],
                                           penalties: penalties, folds: folds, seed: seed)
        return RidgeBaseline(decoder: decoder, latentShape: Array(latents.shape.dropFirst()))
    }

    /// Fits on the rows of `train`: the targets are the images they show, encoded by `vq` (each distinct image
    /// once, `batchSize` at a time, resized to the VQ's resolution if needed).
    public static func fit(train: FMRIDataset, vq: VQModel, batchSize: Int = 16, penalties: [Double] = RidgeDecoder.defaultPenalties,
                           folds: Int = 5, seed: UInt64 = 0) throws -> RidgeBaseline {
        guard let images = train.images, let imageIndex = train.imageIndex else {
            throw TensorError("ridge baseline: \(train.name) has no images to regress onto")
        }
        guard batchSize > 0 else { throw TensorError("ridge baseline: batch size must be positive, got \(batchSize)") }
        // Each image the rows show, once.
        let shown = Array(Set(imageIndex)).sorted()
        let position = Dictionary(uniqueKeysWithValues: shown.enumerated().map { ($0.element, $0.offset) })
        let input = try images.subset(shown).modelInput(size: vq.config.ddconfig.resolution)
        let encoded = try withNoGrad { try Tensor.cat(input.split(batchSize, dim: 0).map(vq.encode), dim: 0) }
        let targets = try encoded.indexSelect(0, index: Tensor(imageIndex.map { Float(position[$0]!) }))
        return try fit(fmri: train.fmri, latents: targets, penalties: penalties, folds: folds, seed: seed)
    }

    /// Predicted latents [N, embed_dim, h, w] of fMRI rows [N, V].
    public func latents(_ fmri: Tensor) throws -> Tensor {
        let inputs = decoder.inputCount
        guard fmri.rank == 2, fmri.shape[0] > 0, fmri.shape[1] == inputs else {
            throw TensorError("ridge baseline: expects inputs [N, \(inputs)] (the fit's \(inputs) features), got \(Shape.describe(fmri.shape))")
        }
        let predicted = try decoder.predict(fmri.contiguous().toArray(), rows: fmri.shape[0])
        return try Tensor(predicted, shape: [fmri.shape[0]] + latentShape)
    }

    /// The baseline's images [N, 3, H, W] in [0, 1] for fMRI rows [N, V]: predicted latents decoded by `vq`.
    public func images(_ fmri: Tensor, vq: VQModel, batchSize: Int = 16) throws -> Tensor {
        guard batchSize > 0 else { throw TensorError("ridge baseline: batch size must be positive, got \(batchSize)") }
        let decoded = try withNoGrad { try Tensor.cat(latents(fmri).split(batchSize, dim: 0).map { try vq.decode($0) }, dim: 0) }
        return try ((decoded + 1) * 0.5).clamp(min: 0, max: 1)
    }
}
