import Foundation
import MindTensor
import MindVis

/// The UNet benchmarks of the stage-B issue: the `small` preset (16x16x3 latents, context 77x256) at
/// batch 8 — one forward pass without a graph, one training step (ε-loss forward, backward, AdamW) — and
/// PLMS sampling time per image.
func smallUNet(_ overrides: [String: ConfigValue] = [:]) throws -> UNetModel {
    try UNetModel(UNetConfig(overrides.merging(["preset": .string("small")]) { a, _ in a }), generator: Generator(seed: 4))
}

func unetForward(batch: Int) throws -> Measurement {
    let unet = try smallUNet(), gen = Generator(seed: 5)
    let x = try Tensor.randn([batch, 3, 16, 16], generator: gen), context = try Tensor.randn([batch, 77, 256], generator: gen)
    let t = try Tensor.full([batch], 500)
    return try measureWithMedian("UNet small forward (no grad) B=\(batch) 16x16 (\(parameterCount(unet)) parameters)", flops: 0,
                                 repeats: 10) { _ = try withNoGrad { try unet(x, t: t, context: context) } }
}

func unetTrainingStep(batch: Int, size: Int = 16, overrides: [String: ConfigValue] = [:]) throws -> Measurement {
    let unet = try smallUNet(overrides), gen = Generator(seed: 6)
    let schedule = try DiffusionSchedule()
    let optimizer = try Adam.adamW(unet.parameters(), lr: 1e-4)
    let x0 = try Tensor.randn([batch, 3, size, size], generator: gen), context = try Tensor.randn([batch, 77, 256], generator: gen)
    return try measureWithMedian("UNet small training step B=\(batch) \(size)x\(size)", flops: 0, repeats: 5) {
        optimizer.zeroGrad()
        try schedule.trainingLoss(model: unet, latents: x0, context: context, generator: gen).backward()
        try optimizer.step()
    }
}

/// PLMS at `steps` steps for `batch` images of one condition (batched as the sampler does), per image.
func plmsPerImage(steps: Int, batch: Int) throws -> Measurement {
    let unet = try smallUNet(), gen = Generator(seed: 7)
    let context = try Tensor.randn([1, 77, 256], generator: gen)
    let seconds = try time(warmup: 1, repeats: 2) {
        _ = try DiffusionSampling.sample(model: unet, schedule: DiffusionSchedule(), context: context, shape: [batch, 3, 16, 16],
                                         options: SamplerOptions(method: .plms, steps: steps))
    }
    return Measurement(name: "PLMS \(steps) steps, small, per image (batch \(batch))", flops: 0, seconds: seconds / Double(batch))
}

/// Peak tensor memory of one training step on 32x32 latents with attention at every level (1,024 tokens at
/// full resolution), with large attention probabilities recomputed in backward (the default) and kept.
func unetTrainingPeakMemory(batch: Int) throws -> [String] {
    try [true, false].map { recompute in
        let unet = try smallUNet(["attention_resolutions": .list([.int(1), .int(2), .int(4)])]), gen = Generator(seed: 8)
        if !recompute {
            for case let attention as CrossAttention in unet.namedModules().map(\.module) { attention.recomputeProbabilitiesAbove = .max }
        }
        let x0 = try Tensor.randn([batch, 3, 32, 32], generator: gen), context = try Tensor.randn([batch, 77, 256], generator: gen)
        let base = CachingAllocator.shared.statistics.liveBytes
        CachingAllocator.shared.resetPeak()
        let start = Date()
        try DiffusionSchedule().trainingLoss(model: unet, latents: x0, context: context, generator: gen).backward()
        let seconds = Date().timeIntervalSince(start)
        let peak = CachingAllocator.shared.statistics.peakBytes - base
        return String(format: "UNet small + attention at 32x32, B=%d, training step: peak %.0f MB above the model (%@), %.2f s",
                      batch, Double(peak) / 1e6, recompute ? "probabilities recomputed" : "probabilities kept", seconds)
    }
}
