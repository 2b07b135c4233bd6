import MindTensor

/// Reconstruction quality of held-out images: mean PSNR (dB) and SSIM (scikit-image's defaults) over the images,
/// both on the [0, 1] scale, and the mean L1 distance on the model's [−1, 1] scale.
public struct VQEvaluation: Equatable {
    public var psnr: Double, ssim: Double, l1: Double

    public init(model: VQModel, images: Tensor, batchSize: Int) throws {
        let reconstructions = try model.reconstruct(images, batchSize: batchSize)
        let unit = { (t: Tensor) throws -> Tensor in try ((t + 1) * 0.5).clamp(min: 0, max: 1) }
        let truth = try unit(images), recovered = try unit(reconstructions)
        let psnrs = try peakSignalToNoiseRatio(truth, recovered, dataRange: 1)
        let ssims = try structuralSimilarity(truth, recovered, dataRange: 1)
        psnr = psnrs.reduce(0, +) / Double(psnrs.count)
        ssim = ssims.reduce(0, +) / Double(ssims.count)
        l1 = Double(try withNoGrad { try reconstructions.l1Loss(images).item() })
    }

    /// The names of `values` in metrics.jsonl and in Lua's results.
    public static let keys = ["eval_psnr", "eval_ssim", "eval_l1"]

    public var values: [(String, ConfigValue)] {
        zip(Self.keys, [psnr, ssim, l1]).map { ($0, .double($1)) }
    }
}
