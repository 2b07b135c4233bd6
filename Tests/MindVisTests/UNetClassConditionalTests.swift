import MindTensor
import XCTest
@testable import MindVis

/// A tiny class-conditional ("label2img") latent diffusion model — a UNet with a ClassEmbedder as its
/// context — learns to generate two distinguishable classes of 8x8 latents, with classifier-free guidance
/// learned through conditioning dropout. Class 0 is +1 on the left half and −1 on the right, class 1 the
/// opposite. (Not +1/−1 everywhere: at 32 channels every GroupNorm group is a single channel, which
/// normalises a per-sample constant offset away; real latents are not constant either.)
final class UNetClassConditionalTests: XCTestCase {
    func testLearnsTwoClassesOfLatents() throws {
        let generator = Generator(seed: 2022)
        let unet = try UNetModel(UNetConfig(["preset": .string("tiny"), "in_channels": .int(1), "out_channels": .int(1),
                                             "context_dim": .int(8), "attention_resolutions": .list([.int(2)]), "use_time_cond": .bool(false)]),
                                 generator: generator)
        let embedder = try ClassEmbedder(embedDim: 8, classCount: 3, nullClass: 2, generator: generator)
        let schedule = try DiffusionSchedule()
        let optimizer = try Adam.adamW(unet.parameters() + embedder.parameters(), lr: 3e-3, weightDecay: 0)
        let pattern = try Tensor((0..<64).map { Float($0 % 8 < 4 ? 1 : -1) }, shape: [1, 1, 8, 8])
        let batch = 16
        for _ in 0..<160 {
            let labels = (0..<batch).map { _ in Float(generator.nextInt(below: 2)) }
            let signs = try Tensor(labels.map { $0 == 0 ? 1 : -1 }, shape: [batch, 1, 1, 1])
            let context = try embedder(embedder.droppingLabels(Tensor(labels), probability: 0.1, generator: generator))
            let loss = try schedule.trainingLoss(model: unet, latents: signs * pattern, context: context, generator: generator)
            optimizer.zeroGrad()
            try loss.backward()
            try optimizer.step()
        }
        let uncond = try withNoGrad { try embedder(embedder.unconditionalLabels(batch: 1)) }
        for (label, sign) in [(Float(0), Float(1)), (1, -1)] {
            let context = try withNoGrad { try embedder(Tensor.full([4], label)) }
            let z = try DiffusionSampling.sample(model: unet, schedule: schedule, context: context, unconditionalContext: uncond,
                                                 shape: [4, 1, 8, 8], seed: 7, options: SamplerOptions(method: .ddim, steps: 20, guidance: 3))
            // Every sample lies on its class's side: its projection on the class-0 pattern has the class's sign.
            for sample in try z.split(1, dim: 0) {
                let projection = try (sample * pattern).mean().item()
                XCTAssertGreaterThan(projection * sign, 0.5, "class \(Int(label)): projection \(projection)")
            }
        }
    }
}
