import Foundation
import MindImage
import MindIO
import MindTensor
import XCTest
@testable import MindVis

final class VQTrainingTests: XCTestCase {
    /// Measured: 16 images of 16×16, the tiny preset, 120 Adam steps at lr 2e-3 reach PSNR 20.2 dB and SSIM 0.86
    /// (from 11.7 dB and 0.02); the thresholds leave room for other seeds and BLAS builds.
    func testTinyModelOverfitsSixteenImages() throws {
        let images = try VQTestData.images(count: 16, size: 16, seed: 3)
        let model = try VQModel(VQTestData.tiny(), generator: Generator(seed: 4))
        let before = try VQEvaluation(model: model, images: images, batchSize: 16)
        let trainer = try VQTrainer(model: model, data: images, config: VQTrainingConfig(["lr": .double(2e-3), "num_epoch": .int(60)]))
        let reports = try trainer.run()
        let after = try VQEvaluation(model: model, images: images, batchSize: 16)
        XCTAssertLessThan(before.psnr, 13)
        XCTAssertGreaterThan(after.psnr, 18.5, "PSNR after overfitting")
        XCTAssertGreaterThan(after.ssim, 0.75, "SSIM after overfitting")
        XCTAssertLessThan(reports.last!.loss, 0.6 * reports.first!.loss)
        XCTAssertTrue(reports.allSatisfy { $0.codesUsed > 0 && $0.codesUsed <= 32 && $0.perplexity >= 1 })
    }

    func testDeadCodesAreRestartedFromEncoderOutputs() throws {
        let images = try VQTestData.images(count: 4, size: 16, seed: 5)
        let model = try VQModel(VQTestData.tiny(), generator: Generator(seed: 6))
        let trainer = try VQTrainer(model: model, data: images, config: VQTrainingConfig(["num_epoch": .int(2), "batch_size": .int(4)]))
        let first = try trainer.run(epochs: 1)[0]
        // The reference's initial codebook is tiny (±1/n_embed), so one entry takes most latents at first.
        XCTAssertLessThan(first.codesUsed, 32)
        XCTAssertEqual(first.codesRestarted, 32 - first.codesUsed)
        let second = try trainer.run(epochs: 1)[0]
        XCTAssertGreaterThan(second.codesUsed, first.codesUsed, "restarted entries get chosen")

        let latents = try withNoGrad { try model.encode(images) }
        let vectors = try latents.permute([0, 2, 3, 1]).reshape([-1, 3]).toArray()
        XCTAssertEqual(try trainer.restartCodes([0, 5, 31], from: latents), 3)
        let codebook = try model.quantizer.embedding.weight.toArray()
        for code in [0, 5, 31] {
            let row = Array(codebook[(3 * code)..<(3 * code + 3)])
            XCTAssertTrue(stride(from: 0, to: vectors.count, by: 3).contains { Array(vectors[$0..<($0 + 3)]) == row }, "code \(code) is an encoder output")
        }
        let noRestart = try VQTrainer(model: VQModel(VQTestData.tiny(), generator: Generator(seed: 6)), data: images,
                                      config: VQTrainingConfig(["num_epoch": .int(1), "batch_size": .int(4), "restart_dead_codes": .bool(false)]))
        XCTAssertEqual(try noRestart.run()[0].codesRestarted, 0)
    }

    func testResumeReproducesTheUninterruptedRun() throws {
        let images = try VQTestData.images(count: 6, size: 16, seed: 7)
        let config = try VQTrainingConfig(["num_epoch": .int(4), "batch_size": .int(4), "ema_decay": .double(0.9), "lr": .double(1e-3)])
        let straight = try VQTrainer(model: VQModel(VQTestData.tiny(), generator: Generator(seed: 8)), data: images, config: config)
        let straightReports = try straight.run()

        let dir = try temporaryDirectory()
        let url = dir.appendingPathComponent("ckpt.safetensors")
        let first = try VQTrainer(model: VQModel(VQTestData.tiny(), generator: Generator(seed: 8)), data: images, config: config)
        try first.run(epochs: 2)
        try first.saveCheckpoint(to: url)
        // A fresh process starts from other weights and a fresh generator: resume restores all of it.
        let second = try VQTrainer(model: VQModel(VQTestData.tiny(), generator: Generator(seed: 99)), data: images, config: config)
        try second.resume(from: url)
        XCTAssertEqual(second.epoch, 2)
        let resumed = try second.run()
        XCTAssertEqual(resumed.map(\.loss), straightReports.suffix(2).map(\.loss))
        XCTAssertEqual(resumed.map(\.codesRestarted), straightReports.suffix(2).map(\.codesRestarted))
        for ((name, a), (_, b)) in zip(straight.model.stateDict(), second.model.stateDict()) {
            XCTAssertEqual(try a.toArray(), try b.toArray(), name)
        }
        for (a, b) in zip(try XCTUnwrap(straight.ema).shadows, try XCTUnwrap(second.ema).shadows) {
            XCTAssertEqual(try a.toArray(), try b.toArray())
        }
        let withoutEMA = try VQTrainer(model: VQModel(VQTestData.tiny(), generator: Generator(seed: 8)), data: images,
                                       config: VQTrainingConfig(["num_epoch": .int(4), "batch_size": .int(4), "lr": .double(1e-3)]))
        try withoutEMA.resume(from: url)  // averages in the file are simply not used
        let otherSettings = try VQTrainer(model: VQModel(VQTestData.tiny(), generator: Generator(seed: 8)), data: images,
                                          config: VQTrainingConfig(["num_epoch": .int(4), "batch_size": .int(4)]))
        assertThrowsMessage(["was trained with lr = 0.001 (this run: 0.0002)"]) { try otherSettings.resume(from: url) }
        let otherModel = try VQTrainer(model: VQModel(VQTestData.tiny(["n_embed": .int(16)])), data: images, config: config)
        assertThrowsMessage(["different configuration"]) { try otherModel.resume(from: url) }
    }

    /// Ctrl-C mid-epoch saves the epoch's order, position, sums and codebook counts: resuming gives the uninterrupted
    /// run's reports (codes used and restarted included) and weights.
    func testInterruptMidEpochResumesExactly() throws {
        let images = try VQTestData.images(count: 10, size: 16, seed: 9)
        let config = try VQTrainingConfig(["num_epoch": .int(2), "batch_size": .int(4), "lr": .double(1e-3)])
        let straight = try VQTrainer(model: VQModel(VQTestData.tiny(), generator: Generator(seed: 8)), data: images, config: config)
        let straightReports = try straight.run()

        let dir = try temporaryDirectory()
        func makeRun() throws -> VQRun {
            let run = try VQRun(trainer: VQTrainer(model: VQModel(VQTestData.tiny(), generator: Generator(seed: 8)), data: images, config: config),
                                output: dir)
            run.progress = false
            return run
        }
        let stopped = try makeRun()
        var calls = 0
        stopped.trainer.shouldStop = { calls += 1; return calls > 4 }   // epoch 2, before its second iteration
        XCTAssertThrowsError(try stopped.run()) { XCTAssertTrue("\($0)".contains("interrupted in epoch 2 before iteration 2"), "\($0)") }
        let resumed = try makeRun()
        let summary = try resumed.run(resume: resumed.checkpointURL)
        XCTAssertEqual(summary.reports.map(\.loss), [straightReports[1].loss])
        XCTAssertEqual(summary.reports.map(\.codesUsed), [straightReports[1].codesUsed])
        for ((name, a), (_, b)) in zip(straight.model.stateDict(), resumed.trainer.model.stateDict()) {
            XCTAssertEqual(try a.toArray(), try b.toArray(), name)
        }
    }

    func testRunWritesMetricsCheckpointsGridsAndQuality() throws {
        let dir = try temporaryDirectory()
        let images = try VQTestData.images(count: 6, size: 16, seed: 9)
        let held = try VQTestData.images(count: 3, size: 16, seed: 10)
        let trainer = try VQTrainer(model: VQModel(VQTestData.tiny(), generator: Generator(seed: 11)), data: images,
                                    config: VQTrainingConfig(["num_epoch": .int(2), "batch_size": .int(6), "ema_decay": .double(0.99)]))
        let run = try VQRun(trainer: trainer, output: dir, evaluation: held)
        run.progress = false
        let summary = try run.run()
        let lines = try String(contentsOf: summary.metrics, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 2)
        for key in ["\"codes_used\"", "\"perplexity\"", "\"codes_restarted\"", "\"eval_psnr\"", "\"eval_ssim\"", "\"rec_loss\""] {
            XCTAssertTrue(lines[1].contains(key), "\(key) in \(lines[1])")
        }
        XCTAssertEqual(summary.figures.map(\.lastPathComponent), ["reconstruction_epoch0001.png", "reconstruction_epoch0002.png"])
        let grid = try PNG.read(path: summary.figures[1].path)
        XCTAssertEqual(grid.width, 2 + 6 * 18, "three (input | reconstruction) pairs of 16 pixels with 2-pixel gaps")
        let evaluation = try XCTUnwrap(summary.evaluation)
        XCTAssertTrue(evaluation.psnr.isFinite && evaluation.ssim > -1 && evaluation.ssim <= 1)
        let loaded = try VQCheckpoint.loadModel(summary.checkpoint)
        XCTAssertEqual(loaded.config, trainer.model.config)
        let contents = try VQCheckpoint.read(summary.checkpoint)
        XCTAssertEqual(contents.metadata["epoch"], "2")
        XCTAssertEqual(contents.ema.count, trainer.model.trainableParameters().count)
    }

    func testTrainingConfigAndDataErrors() throws {
        assertThrowsMessage(["vq.train: unknown key 'num_epochs'", "did you mean 'num_epoch'"]) { _ = try VQTrainingConfig(["num_epochs": .int(1)]) }
        assertThrowsMessage(["'betas' must be two numbers"]) { _ = try VQTrainingConfig(["betas": .list([.double(0.5)])]) }
        assertThrowsMessage(["'optimizer' must be one of adam, adamw"]) { _ = try VQTrainingConfig(["optimizer": .string("sgd")]) }
        let model = try VQModel(VQTestData.tiny())
        assertThrowsMessage(["images must be [N, 3, 16, 16]", "got [2, 3, 32, 32]"]) {
            _ = try VQTrainer(model: model, data: Tensor.zeros([2, 3, 32, 32]), config: .defaults)
        }
        let trainer = try VQTrainer(model: model, data: Tensor.zeros([2, 3, 16, 16]), config: .defaults)
        assertThrowsMessage(["held-out images must be [N, 3, 16, 16]"]) { _ = try VQRun(trainer: trainer, output: URL(fileURLWithPath: "/tmp"), evaluation: Tensor.zeros([2, 3, 8, 8])) }
    }
}
