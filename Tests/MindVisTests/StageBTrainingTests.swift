import Foundation
import MindIO
import MindTensor
import XCTest
@testable import MindVis

/// Stage B on the tiny architecture of the fixtures: a model loaded from a reference-layout checkpoint (UNet, VQ and
/// encoder weights from the fixtures), 12 random fMRI vectors paired with 12 random 16×16 images.
final class StageBTrainingTests: XCTestCase {
    static func model() throws -> LatentDiffusion {
        let url = try LDMCheckpointTests.write(LDMCheckpointTests.referenceState(), "finetuned.safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        return try LDMCheckpoint.load(url, values: LDMCheckpointTests.values).model
    }

    static func dataset(rows: Int = 12) throws -> FMRIDataset {
        let g = Generator(seed: 3)
        let pixels = (0..<(rows * 16 * 16 * 3)).map { _ in UInt8(g.nextInt(below: 256)) }
        let images = try ImageSet(count: rows, height: 16, width: 16, channels: 3, pixels: pixels)
        return try FMRIDataset(name: "random", fmri: Tensor.randn([rows, 128], generator: g), images: images, imageIndex: Array(0..<rows))
    }

    static func config(_ values: [String: ConfigValue]) throws -> LDMTrainingConfig {
        var all: [String: ConfigValue] = ["batch_size": .int(4), "lr": .double(3e-3), "val_fraction": .double(0), "crop_variants": .int(2),
                                          "checkpoint_every": .int(1)]
        for (k, v) in values { all[k] = v }
        return try LDMTrainingConfig(.finetune, all)
    }

    static func folder() -> URL { FileManager.default.temporaryDirectory.appendingPathComponent("stageb-\(UUID().uuidString)") }

    func testTrainableSetIsExplicitAndDeduplicated() throws {
        let model = try Self.model()
        let names = model.finetunedParameters.map(\.name)
        XCTAssertEqual(names.count, Set(names).count)
        XCTAssertTrue(names.contains("cond_stage_model.mae.pos_embed"))
        XCTAssertTrue(names.contains("cond_stage_model.mae.blocks.0.norm2.weight"))
        XCTAssertTrue(names.contains("cond_stage_model.channel_mapper.1.weight"))
        XCTAssertTrue(names.contains("model.diffusion_model.time_embed_condtion.2.weight"))
        XCTAssertTrue(names.contains("model.diffusion_model.input_blocks.1.1.transformer_blocks.0.attn2.to_k.weight"))
        XCTAssertTrue(names.contains("model.diffusion_model.middle_block.1.transformer_blocks.0.norm2.bias"))
        XCTAssertFalse(names.contains { $0.hasPrefix("first_stage_model.") })
        XCTAssertFalse(names.contains { $0.hasPrefix("model.") && !($0.contains("attn2") || $0.contains("norm2") || $0.contains("time_embed_condtion")) })
        // Without train_pos_embed the position table stays fixed.
        var values = Dictionary(uniqueKeysWithValues: model.config.values.map { ($0.0, $0.1) })
        values["cond_stage_config"] = .table(model.config.conditioner.values.map { $0.0 == "train_pos_embed" ? ($0.0, .bool(false)) : $0 })
        let fixed = try LatentDiffusion(LatentDiffusionConfig(values))
        XCTAssertFalse(fixed.finetunedParameters.contains { $0.name == "cond_stage_model.mae.pos_embed" })
    }

    func testLossFallsAndFrozenParametersStayIdentical() throws {
        let model = try Self.model()
        let output = Self.folder()
        defer { try? FileManager.default.removeItem(at: output) }
        let (run, _) = try LDMFinetune.prepare(model: model, train: Self.dataset(), config: Self.config(["num_epoch": .int(15)]), output: output)
        run.progress = false
        let trainable = Set(run.trainer.trainable.map(\.name))
        let frozen = model.namedParameters().filter { !trainable.contains($0.name) }
        let before = try frozen.map { try $0.tensor.toArray() }
        // The loss of all training rows at fixed timesteps and noise, so that before and after compare the model alone.
        let trainer = run.trainer
        func fixedLoss() throws -> Double {
            let latents = try trainer.cache.select(images: trainer.imageIndex, variants: trainer.imageIndex.map { _ in 0 })
            return try withNoGrad {
                Double(try model.loss(latents: latents, context: model.conditioner.context(trainer.conditions), generator: Generator(seed: 1)).item())
            }
        }
        let initial = try fixedLoss()
        let summary = try run.run()
        let final = try fixedLoss()
        let losses = summary.reports.map(\.loss)
        XCTAssertLessThan(final, initial * 0.9, "fixed-noise loss \(initial) -> \(final); epoch losses \(losses)")
        XCTAssertLessThan(losses.suffix(3).reduce(0, +), losses.prefix(3).reduce(0, +), "epoch losses \(losses)")
        for ((name, tensor), values) in zip(frozen, before) {
            XCTAssertNil(tensor.grad, "\(name) got a gradient")
            XCTAssertTrue(try tensor.toArray() == values, "\(name) changed")
        }
        XCTAssertTrue(run.trainer.trainable.allSatisfy { $0.tensor.grad != nil || $0.name.hasSuffix("cls_token") })
        XCTAssertTrue(FileManager.default.fileExists(atPath: summary.checkpoint.path))
    }

    func testGeneratedImagesDependOnTheFMRIAndTheSeed() throws {
        let model = try Self.model()
        let fmri = try Self.dataset(rows: 2).fmri
        let options = SamplerOptions(method: .plms, steps: 3)
        let both = try model.generate(conditions: fmri, numSamples: 2, options: options, seeds: [7, 7])
        let first = try both.images.select(0, 0).toArray(), second = try both.images.select(0, 1).toArray()
        XCTAssertNotEqual(first, second, "different fMRI, same noise, same images")
        let again = try model.generate(conditions: fmri.narrow(0, start: 1, length: 1), numSamples: 2, options: options, seeds: [both.seeds[1]])
        XCTAssertTrue(try again.images.select(0, 0).toArray() == second, "condition 1 alone differs from condition 1 in a batch")
        let seeded = try model.generate(conditions: fmri, numSamples: 2, options: options, seed: 9)
        XCTAssertEqual(seeded.seeds, [LatentDiffusion.conditionSeed(9, index: 0), LatentDiffusion.conditionSeed(9, index: 1)])
        XCTAssertTrue(try model.generate(conditions: fmri, numSamples: 2, options: options, seed: 9).images.toArray() == seeded.images.toArray())
        XCTAssertThrowsError(try model.generate(conditions: fmri, numSamples: 2, options: SamplerOptions(guidance: 2))) { error in
            XCTAssertTrue("\(error)".contains("unconditional"), "\(error)")
        }
        XCTAssertThrowsError(try model.generate(conditions: Tensor.zeros([0, 128]), numSamples: 1)) { error in
            XCTAssertTrue("\(error)".contains("no conditions (an empty batch of [0, 128])"), "\(error)")
        }
        XCTAssertThrowsError(try model.generate(conditions: Tensor.zeros([2, 100]), numSamples: 1)) { error in
            XCTAssertTrue("\(error)".contains("[B, 128]"), "\(error)")
        }
    }

    /// A run stopped after 4 iterations (mid-epoch) and resumed ends with exactly the weights of an uninterrupted run.
    func testResumeAfterAnInterruptIsExact() throws {
        let config = try Self.config(["num_epoch": .int(3)])
        let straight = Self.folder(), resumed = Self.folder()
        defer { try? FileManager.default.removeItem(at: straight); try? FileManager.default.removeItem(at: resumed) }
        let a = try LDMFinetune.prepare(model: Self.model(), train: Self.dataset(), config: config, output: straight).run
        a.progress = false
        _ = try a.run()

        let b = try LDMFinetune.prepare(model: Self.model(), train: Self.dataset(), config: config, output: resumed).run
        b.progress = false
        var calls = 0
        b.trainer.shouldStop = { calls += 1; return calls > 4 }
        XCTAssertThrowsError(try b.run()) { error in XCTAssertTrue("\(error)".contains("resume"), "\(error)") }
        XCTAssertNotNil(b.trainer.partialEpoch)
        // Resumed with a model whose first stage differs from the run's (a fresh one of another seed): the latents must
        // still be the checkpoint's first stage's.
        let other = try Self.model()
        let firstStage = try XCTUnwrap(other.stateDict().first { $0.name.hasPrefix("first_stage_model.") }).tensor
        for i in 0..<firstStage.numel { firstStage.data[i] *= 2 }
        let checkpoint = RunFolder(resumed).checkpointURL
        let c = try LDMFinetune.prepare(model: other, train: Self.dataset(), config: config, output: resumed, resuming: checkpoint).run
        c.progress = false
        _ = try c.run(resume: checkpoint)
        for (x, y) in zip(a.trainer.model.stateDict(), c.trainer.model.stateDict()) {
            XCTAssertTrue(try x.tensor.toArray() == y.tensor.toArray(), "\(x.name) differs after resuming")
        }
        XCTAssertThrowsError(try a.run()) { error in XCTAssertTrue("\(error)".contains("already holds a run"), "\(error)") }
    }

    func testValidationWritesScoresGridAndBestCheckpoint() throws {
        let output = Self.folder()
        defer { try? FileManager.default.removeItem(at: output) }
        let config = try Self.config(["num_epoch": .int(1), "val_fraction": .double(0.2), "ddim_steps": .int(2), "val_samples": .int(2)])
        let (run, notes) = try LDMFinetune.prepare(model: Self.model(), train: Self.dataset(), config: config, output: output)
        XCTAssertTrue(notes.contains { $0.contains("holding out 2 of 12") }, "\(notes)")
        XCTAssertEqual(run.trainer.rowCount, 10)
        run.progress = false
        var lines: [String] = []
        run.log = { lines.append($0) }
        let summary = try run.run()
        XCTAssertEqual(summary.validation?.map(\.name), ["pairwise_pcc", "pairwise_pcc_max", "pairwise_ssim", "pairwise_ssim_max"])
        XCTAssertNotNil(summary.bestCheckpoint)
        XCTAssertTrue(FileManager.default.fileExists(atPath: run.folder.bestCheckpointURL.path))
        XCTAssertEqual(summary.figures.count, 1)
        XCTAssertTrue(FileManager.default.fileExists(atPath: summary.figures[0].path))
        let log = try String(contentsOf: summary.metrics, encoding: .utf8)
        XCTAssertTrue(log.contains("val_pairwise_pcc"), log)
        XCTAssertTrue(lines.contains { $0.contains("best so far") }, "\(lines)")
        // The best checkpoint is a whole model that loads by itself.
        let best = try LDMCheckpoint.load(run.folder.bestCheckpointURL).model
        XCTAssertEqual(best.config, run.trainer.model.config)
    }
}
