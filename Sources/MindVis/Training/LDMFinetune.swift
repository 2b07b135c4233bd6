import Foundation
import MindTensor

/// Stage B (REFERENCE.md §4.1, §4.7–4.10): finetuning a latent diffusion model with an fMRI conditioner on paired
/// fMRI and images. Prepares the run: the trainable set (`finetunedParameters`: conditioner, cross-attentions,
/// their norms, the time conditioning; everything else frozen), the validation items (held-out training images by
/// default, the test set with `val_on_test` as the reference), and the first stage's latents of every training
/// image and its crop variants, encoded once.
public enum LDMFinetune {
    /// The run, and notes for the user (what was held out, how the latents were cached). `resuming`: the checkpoint
    /// the run will resume, whose weights the model takes before the latents are encoded (`LDMTrainer.loadModel`).
    public static func prepare(model: LatentDiffusion, train: FMRIDataset, test: FMRIDataset? = nil, config: LDMTrainingConfig, output: URL,
                               resuming: URL? = nil, progress: ((Int, Int) -> Void)? = nil) throws -> (run: LDMRun, notes: [String]) {
        guard config.kind == .finetune else { throw TensorError("stage B: needs a finetune configuration, got \(config.kind.rawValue)") }
        guard let conditioner = model.conditioner as? FMRIConditioner else {
            throw TensorError("stage B: the model's conditioner is a \(model.conditioner.typeName); stage B trains an fMRI conditioner (cond_stage_config.target = \"fmri\")")
        }
        let v = conditioner.config.encoder.numVoxels
        for data in [train] + (test.map { [$0] } ?? []) {
            guard data.voxelCount == v else {
                throw TensorError("stage B: \(data.name) has \(data.voxelCount) voxels per sample, the model's encoder takes \(v)")
            }
            guard data.images != nil, data.imageIndex != nil else { throw TensorError("stage B: \(data.name) has no images paired with its fMRI") }
        }
        if let resuming { try LDMTrainer.loadModel(from: resuming, into: model, config: config) }
        var notes: [String] = []
        let imageOfRow = train.imageIndex!
        let split = try ImageHeldOutSplit(imageOfRow: imageOfRow, fraction: config.valOnTest ? 0 : config.valFraction, seed: config.seed)
        let size = model.config.firstStage.ddconfig.resolution
        var validation: LDMValidationSet?
        if config.valOnTest {
            guard let test else { throw TensorError("stage B: val_on_test needs the test set") }
            let rows = Array(0..<test.count)
            validation = try LDMValidationSet(conditions: test.rows(rows), truth: test.images!.chwImages(rows.map { test.imageIndex![$0] }, size: size),
                                              source: "the test set (as the reference: model selection sees the test data)")
        } else if !split.validationRows.isEmpty {
            let rows = split.validationRows
            validation = try LDMValidationSet(conditions: train.rows(rows), truth: train.images!.chwImages(rows.map { imageOfRow[$0] }, size: size),
                                              source: "held-out training images")
            notes.append("stage B: holding out \(rows.count) of \(Set(imageOfRow).count) training images (\(imageOfRow.count - split.trainRows.count) rows) for validation; val_on_test = true validates on the test set as the reference does")
        }
        // Cache only the images that train, in order of first use.
        var cacheIndex: [Int: Int] = [:], cached: [Int] = []
        for row in split.trainRows where cacheIndex[imageOfRow[row]] == nil {
            cacheIndex[imageOfRow[row]] = cached.count
            cached.append(imageOfRow[row])
        }
        let cache = try LatentCache.encode(images: train.images!.subset(cached), model: model, cropVariants: config.cropVariants,
                                           cropRatio: config.cropRatio, seed: UInt64(config.seed), progress: progress)
        if config.cropVariants > 0 {
            notes.append("stage B: latents of \(cached.count) images and \(config.cropVariants) random crops each were encoded once; each step uses a crop with probability \(config.cropProbability)")
        }
        let trainer = try LDMTrainer(model: model, cache: cache, conditions: train.rows(split.trainRows),
                                     imageIndex: split.trainRows.map { cacheIndex[imageOfRow[$0]]! },
                                     trainable: model.finetunedParameters, config: config)
        return (try LDMRun(trainer: trainer, output: output, validation: validation), notes)
    }
}
