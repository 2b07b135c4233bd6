import Foundation
import MindTensor
import XCTest
@testable import MindVis

/// The label2img trainer on the tiny preset, on 4×4×1 latents made directly (no first-stage encoding): class 0 is
/// +1 on the left half and −1 on the right, class 1 the opposite, with a little noise. After training, guided
/// samples of each class lie clearly on their class's side (projection on the class pattern > 0.25, where the
/// other class gives about −1).
final class LDMLabel2ImgTests: XCTestCase {
    static func model() throws -> LatentDiffusion {
        // One latent channel of 4×4 and attention at the 2×2 level only keep the test fast.
        try LatentDiffusion(LatentDiffusionConfig(["preset": .string("tiny"),
                                                   "first_stage_config": .table([("embed_dim", .int(1)), ("ddconfig", .table([("resolution", .int(8))]))]),
                                                   "unet_config": .table([("attention_resolutions", .list([.int(2)])), ("in_channels", .int(1)), ("out_channels", .int(1)),
                                                                          ("image_size", .int(4))]),
                                                   "cond_stage_config": .table([("target", .string("class")), ("n_classes", .int(3)), ("null_class", .int(2))])]),
                            generator: Generator(seed: 2022))
    }

    static let pattern: Tensor = try! Tensor((0..<16).map { Float($0 % 4 < 2 ? 1 : -1) }, shape: [1, 1, 4, 4])

    static func data(count: Int) throws -> (latents: Tensor, labels: [Int]) {
        let g = Generator(seed: 4)
        let labels = (0..<count).map { $0 % 2 }
        let signs = try Tensor(labels.map { $0 == 0 ? 1 : -1 }, shape: [count, 1, 1, 1])
        return (try signs * pattern + Tensor.randn([count, 1, 4, 4], std: 0.1, generator: g), labels)
    }

    func testLearnsTwoClasses() throws {
        let model = try Self.model()
        let (latents, labels) = try Self.data(count: 32)
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("label2img-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: output) }
        let config = try LDMTrainingConfig(.label2img, ["num_epoch": .int(80), "batch_size": .int(16), "clip_grad": .double(0), "lr": .double(3e-3), "weight_decay": .double(0),
                                                        "ema_decay": .double(0), "val_fraction": .double(0), "checkpoint_every": .int(80)])
        let (run, _) = try Label2ImgTraining.prepare(model: model, latents: latents, labels: labels, config: config, output: output)
        run.progress = false
        XCTAssertEqual(Set(run.trainer.trainable.map(\.name)), Set(model.namedParameters().map(\.name).filter { !$0.hasPrefix("first_stage_model.") }))
        _ = try run.run()
        let uncond = try XCTUnwrap(try withNoGrad { try model.conditioner.unconditionalContext() })
        for (label, sign) in [(Float(0), Float(1)), (1, -1)] {
            let context = try withNoGrad { try model.conditioner.context(Tensor.full([1], label)) }
            let z = try DiffusionSampling.sample(model: model.unet, schedule: model.schedule, context: context, unconditionalContext: uncond,
                                                 shape: [4, 1, 4, 4], seed: 7, options: SamplerOptions(method: .ddim, steps: 20, guidance: 3))
            for sample in try z.split(1, dim: 0) {
                let projection = try (sample * Self.pattern).mean().item()
                XCTAssertGreaterThan(projection * sign, 0.25, "class \(Int(label)): projection \(projection)")
            }
        }
    }

    func testLabelsAndConditionerAreChecked() throws {
        let model = try Self.model()
        let (latents, _) = try Self.data(count: 4)
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("label2img-\(UUID().uuidString)")
        let config = try LDMTrainingConfig(.label2img, ["val_fraction": .double(0)])
        XCTAssertThrowsError(try Label2ImgTraining.prepare(model: model, latents: latents, labels: [0, 1, 2, 0], config: config, output: output)) { error in
            // Counted from 1 in the message, as users (Lua) give labels and null_class.
            XCTAssertTrue("\(error)".contains("label 3 is not a class of this model (1...3, except the null class 3)"), "\(error)")
        }
        XCTAssertThrowsError(try Label2ImgTraining.prepare(model: model, latents: latents, labels: [0, 1], config: config, output: output))
        XCTAssertThrowsError(try LDMTrainingConfig(.label2img, ["cond_dropuot": .double(0.1)])) { error in
            XCTAssertTrue("\(error)".contains("did you mean 'cond_dropout'"), "\(error)")
        }
        let fmri = try StageBTrainingTests.model()
        XCTAssertThrowsError(try Label2ImgTraining.prepare(model: fmri, latents: latents, labels: [0, 1, 0, 1], config: config, output: output)) { error in
            XCTAssertTrue("\(error)".contains("class embedder"), "\(error)")
        }
        // An fMRI conditioner has no null condition, so conditioning dropout is refused.
        XCTAssertThrowsError(try LDMFinetune.prepare(model: fmri, train: StageBTrainingTests.dataset(), config: LDMTrainingConfig(.finetune, ["cond_dropout": .double(0.1), "val_fraction": .double(0)]), output: output)) { error in
            XCTAssertTrue("\(error)".contains("null condition"), "\(error)")
        }
    }

    /// From labelled images: one row per image (trials showing the same image count once), latents encoded once by
    /// the first stage, held-out images validated against generated ones.
    func testTrainsFromLabelledImages() throws {
        let model = try LatentDiffusion(LatentDiffusionConfig(["preset": .string("tiny"),
                                                               "cond_stage_config": .table([("target", .string("class")), ("n_classes", .int(3))])]))
        let images = try StageBTrainingTests.dataset().images!
        let data = try FMRIDataset(name: "labelled", fmri: Tensor.zeros([24, 4]), images: images, imageIndex: (0..<24).map { $0 % 12 },
                                   labels: (0..<24).map { $0 % 2 })
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("label2img-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: output) }
        let config = try LDMTrainingConfig(.label2img, ["num_epoch": .int(1), "batch_size": .int(4), "val_fraction": .double(0.25),
                                                        "ddim_steps": .int(2), "val_samples": .int(2)])
        let (run, notes) = try Label2ImgTraining.prepare(model: model, data: data, config: config, output: output)
        XCTAssertTrue(notes.contains { $0.contains("holding out 3 of 12") }, "\(notes)")
        XCTAssertEqual(run.trainer.rowCount, 9)
        run.progress = false
        run.log = { _ in }
        let summary = try run.run()
        XCTAssertEqual(summary.figures.count, 1)
        XCTAssertNotNil(summary.bestScore)
        XCTAssertEqual(run.trainer.ema?.updates, 3)
    }
}
