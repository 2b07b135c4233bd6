import Foundation
import MindTensor

/// Training a class-conditional ("label2img") latent diffusion model — the role of the pretrained ImageNet LDM the
/// reference downloads: the whole UNet and the class embedder learn to generate latents of labelled images, with
/// conditioning dropout to the null class so that sampling can use classifier-free guidance. The first stage is
/// frozen and its latents are computed once.
public enum Label2ImgTraining {
    /// From labelled images: one training row per image of `data` (its label; the fMRI is not used), a seeded part of
    /// the images held out for validation (`val_fraction`). `resuming`: the checkpoint the run will resume, whose
    /// weights the model takes before the latents are encoded (`LDMTrainer.loadModel`).
    public static func prepare(model: LatentDiffusion, data: FMRIDataset, config: LDMTrainingConfig, output: URL, resuming: URL? = nil,
                               progress: ((Int, Int) -> Void)? = nil) throws -> (run: LDMRun, notes: [String]) {
        guard let images = data.images, let imageOfRow = data.imageIndex, let labels = data.labels else {
            throw TensorError("label2img: \(data.name) needs images and labels")
        }
        if let resuming { try LDMTrainer.loadModel(from: resuming, into: model, config: config) }
        var labelOfImage: [Int: Int] = [:]
        for (row, image) in imageOfRow.enumerated() where labelOfImage[image] == nil { labelOfImage[image] = labels[row] }
        let used = labelOfImage.keys.sorted()
        let imageLabels = used.map { labelOfImage[$0]! }
        let cache = try LatentCache.encode(images: images.subset(used), model: model, cropVariants: config.cropVariants,
                                           cropRatio: config.cropRatio, seed: UInt64(config.seed), progress: progress)
        let truth = try images.chwImages(used, size: model.config.firstStage.ddconfig.resolution)
        return try prepare(model: model, cache: cache, labels: imageLabels, truth: truth, config: config, output: output)
    }

    /// From latents made elsewhere, [N, C, h, w], and their labels; validation compares with the decoded latents.
    public static func prepare(model: LatentDiffusion, latents: Tensor, labels: [Int], config: LDMTrainingConfig,
                               output: URL) throws -> (run: LDMRun, notes: [String]) {
        try prepare(model: model, cache: LatentCache(latents: latents), labels: labels, truth: nil, config: config, output: output)
    }

    /// One row per cached image; `truth` [N, C, H, W] in [0, 1] (nil: the decoded latents).
    static func prepare(model: LatentDiffusion, cache: LatentCache, labels: [Int], truth: Tensor?, config: LDMTrainingConfig,
                        output: URL) throws -> (run: LDMRun, notes: [String]) {
        guard config.kind == .label2img else { throw TensorError("label2img: needs a label2img configuration, got \(config.kind.rawValue)") }
        guard let embedder = model.conditioner as? ClassEmbedder else {
            throw TensorError("label2img: the model's conditioner is a \(model.conditioner.typeName); a label2img model has a class embedder (cond_stage_config.target = \"class\")")
        }
        guard labels.count == cache.imageCount else { throw TensorError("label2img: \(labels.count) labels for \(cache.imageCount) images") }
        if let bad = labels.first(where: { $0 < 0 || $0 >= embedder.classCount || $0 == embedder.nullClass }) {
            // Counted from 1, as the labels reach users (Lua) and as null_class is given.
            throw TensorError("label2img: label \(bad + 1) is not a class of this model (1...\(embedder.classCount)\(embedder.nullClass.map { ", except the null class \($0 + 1)" } ?? ""))")
        }
        let rows = Array(0..<labels.count)
        let split = try ImageHeldOutSplit(imageOfRow: rows, fraction: config.valFraction, seed: config.seed)
        let conditions = try Tensor(labels.map(Float.init))
        var validation: LDMValidationSet?
        var notes: [String] = []
        if !split.validationRows.isEmpty {
            let held = try Tensor(split.validationRows.map(Float.init))
            let images = try truth.map { try $0.indexSelect(0, index: held) }
                ?? ((model.decodeFirstStage(cache.select(images: split.validationRows, variants: split.validationRows.map { _ in 0 })) + 1) / 2).clamp(min: 0, max: 1)
            validation = try LDMValidationSet(conditions: conditions.indexSelect(0, index: held), truth: images, source: "held-out images")
            notes.append("label2img: holding out \(split.validationRows.count) of \(labels.count) images for validation (val_fraction = 0 trains on all)")
        }
        let trainer = try LDMTrainer(model: model, cache: cache, conditions: conditions.indexSelect(0, index: Tensor(split.trainRows.map(Float.init))),
                                     imageIndex: split.trainRows, trainable: model.label2imgParameters, config: config)
        return (try LDMRun(trainer: trainer, output: output, validation: validation), notes)
    }
}
