import Foundation
import MindTensor
import MindVis

/// Stage B's speed (issue 15): the small presets (64×64 images, 16×16×3 latents, the small MAE encoder on 4,096
/// voxels = 256 tokens mapped to 77) — one finetuning step at batch 8 on cached latents (conditioner forward, UNet
/// forward and backward into the trainable set, clip, AdamW), and generation time per image with PLMS (5 samples
/// per fMRI, as the reference, decoded by the VQ); and, for the reference's checkpoints, the paper-preset UNet's
/// cost of one sampling step per image, from which a 250-step PLMS image follows (251 UNet calls).
func smallStageBModel() throws -> LatentDiffusion {
    try LatentDiffusion(LatentDiffusionConfig(["preset": .string("small"), "cond_stage_config": .table([("num_voxels", .int(4096))])]),
                        generator: Generator(seed: 9))
}

func stageBStep(batch: Int) throws -> Measurement {
    let model = try smallStageBModel(), gen = Generator(seed: 10)
    let rows = 4 * batch
    let cache = try LatentCache(latents: Tensor.randn([rows, 5, 3, 16, 16], generator: gen))
    let config = try LDMTrainingConfig(.finetune, ["batch_size": .int(batch)])
    let trainer = try LDMTrainer(model: model, cache: cache, conditions: Tensor.randn([rows, 4096], generator: gen),
                                 imageIndex: Array(0..<rows), trainable: model.finetunedParameters, config: config)
    var next = 0
    let seconds = try time(repeats: 5) {
        _ = try trainer.step(rows: Array(next..<(next + batch)))
        next = (next + batch) % rows
    }
    return Measurement(name: "stage B small step B=\(batch) (16x16 latents, 256 tokens)", flops: 0, seconds: seconds)
}

func stageBGenerationPerImage(steps: Int, samples: Int = 5) throws -> Measurement {
    let model = try smallStageBModel()
    let fmri = try Tensor.randn([1, 4096], generator: Generator(seed: 11))
    let seconds = try time(warmup: 1, repeats: 2) {
        _ = try model.generate(conditions: fmri, numSamples: samples, options: SamplerOptions(method: .plms, steps: steps), seed: 1)
    }
    return Measurement(name: "stage B small generate, PLMS \(steps), per image (\(samples) per fMRI)", flops: 0, seconds: seconds / Double(samples))
}

/// One UNet call of the paper preset on 5 latents of 64×64×3 (the reference's 5 samples per fMRI), per image.
func paperUNetCallPerImage(samples: Int = 5) throws -> Measurement {
    let unet = try UNetModel(UNetConfig(["preset": .string("paper")]), generator: Generator(seed: 12))
    let gen = Generator(seed: 13)
    let x = try Tensor.randn([samples, 3, 64, 64], generator: gen), context = try Tensor.randn([samples, 77, 512], generator: gen)
    let t = try Tensor.full([samples], 500)
    let seconds = try time(warmup: 1, repeats: 2) { _ = try withNoGrad { try unet(x, t: t, context: context) } }
    return Measurement(name: "paper UNet call per image (batch \(samples), 64x64; x251 = PLMS 250)", flops: 0, seconds: seconds / Double(samples))
}
