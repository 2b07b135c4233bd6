import Foundation
import MindImage
import MindTensor
import XCTest
@testable import MindVis

final class StageARunTests: XCTestCase {
    /// Each panel of the reconstruction figure says which sample it shows and its correlations, with labelled axes.
    func testReconstructionFigurePanelsHaveTitlesCorrelationsAndAxisLabels() throws {
        let truth = try Tensor.arange(32).reshape([2, 1, 16]).sin()
        let mask = try Tensor([1, 0, 0, 1, 0, 0, 0, 0], shape: [2, 4])
        let plots = try ReconstructionFigure.plots(truth: truth, reconstruction: truth * 2, mask: mask, patchSize: 4, samples: 5)
        XCTAssertEqual(plots.count, 2, "at most the samples there are")
        XCTAssertEqual(plots[0].title, "MAE reconstruction - sample 1: r = 1.000 on masked patches (shaded), 1.000 on all voxels")
        XCTAssertEqual(plots[0].shadedXRanges, [0...3, 12...15])
        XCTAssertTrue(plots[1].title?.hasPrefix("MAE reconstruction - sample 2: r = 0.000 on masked patches") == true, plots[1].title ?? "")
        for plot in plots {
            XCTAssertEqual(plot.xLabel, "voxel (gray: fMRI, blue: reconstruction)")
            XCTAssertEqual(plot.yLabel, "signal (z)")
        }
    }

    func testRunWritesMetricsCheckpointsAndFiguresAndFinetunes() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("stageA-\(UUID().uuidString)")
        let gen = Generator(seed: 1)
        let t = try Tensor.arange(48).reshape([1, 48])
        let data = try (t * Tensor.rand([24, 1], low: 0.05, high: 0.2, generator: gen) + Tensor.rand([24, 1], low: 0, high: 6, generator: gen)).sin()
        let mae = try MaskedAutoencoder(MAEConfig(["preset": .string("tiny"), "num_voxels": .int(48)]), generator: gen)
        var config = MBMTrainingConfig.defaults(.pretrain)
        (config.numEpoch, config.warmupEpochs, config.batchSize, config.checkpointEvery) = (4, 1, 8, 2)
        let run = try StageARun(trainer: MBMTrainer(model: mae, data: data, config: config), output: dir, evaluation: data)
        run.progress = false
        let summary = try run.run()
        XCTAssertEqual(summary.reports.count, 4)
        let lines = try String(contentsOf: summary.metrics, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 4)
        XCTAssertTrue(lines[1].contains("\"eval_masked_cor\""), String(lines[1]))
        XCTAssertFalse(lines[0].contains("eval_masked_cor"), "evaluation only at checkpoints")
        XCTAssertEqual(summary.figures.map(\.lastPathComponent), ["reconstruction_epoch0002.png", "reconstruction_epoch0004.png"])
        let figure = try PNG.read(path: summary.figures[0].path)
        XCTAssertEqual(figure.channels, 3)
        XCTAssertGreaterThan(figure.height, 400, "four stacked panels")
        XCTAssertNotNil(summary.evaluationCorrelation)

        // Stage A2 picks up the A1 checkpoint: same architecture, weights loaded, fewer voxels padded.
        let a1 = try MAECheckpoint.loadModel(summary.checkpoint)
        XCTAssertEqual(a1.config, mae.config)
        let finetuneData = try VoxelLayout.fit(data.narrow(1, start: 0, length: 40), to: a1.config.numVoxels)
        var ft = MBMTrainingConfig.defaults(.finetune)
        (ft.numEpoch, ft.batchSize) = (2, 8)
        let reports = try MBMTrainer(model: a1, data: finetuneData, config: ft).run()
        XCTAssertEqual(reports.count, 2)
        XCTAssertTrue(reports.allSatisfy { $0.loss.isFinite })
    }

    /// Ctrl-C mid-epoch saves a checkpoint holding the epoch's order and position; resuming from it gives exactly the
    /// losses and weights of a run that was never interrupted. A folder holding a run is not overwritten silently.
    func testInterruptSavesAnExactMidEpochCheckpointAndRunsAreNotOverwritten() throws {
        let gen = Generator(seed: 4)
        let data = try Tensor.randn([40, 48], generator: gen)
        func makeRun(_ dir: URL) throws -> StageARun {
            let mae = try MaskedAutoencoder(MAEConfig(["preset": .string("tiny"), "num_voxels": .int(48)]), generator: Generator(seed: 5))
            var config = MBMTrainingConfig.defaults(.pretrain)
            (config.numEpoch, config.warmupEpochs, config.batchSize, config.checkpointEvery) = (3, 1, 8, 3)
            let run = try StageARun(trainer: MBMTrainer(model: mae, data: data, config: config), output: dir)
            run.progress = false
            run.log = { _ in }
            return run
        }
        let straightDir = FileManager.default.temporaryDirectory.appendingPathComponent("stageA-straight-\(UUID().uuidString)")
        let straight = try makeRun(straightDir).run()

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("stageA-stopped-\(UUID().uuidString)")
        let interrupted = try makeRun(dir)
        var iterations = 0
        interrupted.trainer.shouldStop = { iterations += 1; return iterations > 7 }   // epoch 2, iteration 3 of 5
        XCTAssertThrowsError(try interrupted.run()) { error in
            XCTAssertTrue("\(error)".contains("interrupted in epoch 2 before iteration 3"), "\(error)")
            XCTAssertTrue("\(error)".contains("resume = true"), "\(error)")
        }
        let stopped = try MAECheckpoint.read(interrupted.checkpointURL)
        XCTAssertEqual(stopped.epoch, 1)
        XCTAssertNotNil(stopped.metadata["epoch_order"])

        XCTAssertThrowsError(try makeRun(dir).run()) { error in
            XCTAssertTrue("\(error)".contains("already holds a run"), "\(error)")
            XCTAssertTrue("\(error)".contains("overwrite = true"), "\(error)")
        }
        let resumed = try makeRun(dir)
        let summary = try resumed.run(resume: resumed.checkpointURL)
        XCTAssertEqual(summary.reports.map(\.epoch), [2, 3])
        XCTAssertEqual(summary.reports.map(\.loss), Array(straight.reports.suffix(2).map(\.loss)))
        let a = try MAECheckpoint.read(summary.checkpoint).model, b = try MAECheckpoint.read(straight.checkpoint).model
        for ((name, x), (_, y)) in zip(a, b) { XCTAssertEqual(try x.toArray(), try y.toArray(), name) }
        let logged = try String(contentsOf: summary.metrics, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(logged.count, 3, "one line per epoch, none repeated")
        XCTAssertNoThrow(try makeRun(dir).run(overwrite: true))
    }
}
