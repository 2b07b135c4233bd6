import Foundation
import MindIO
import MindTensor
import XCTest
@testable import MindVis

final class MAECheckpointTests: XCTestCase {
    func smoothSignals(n: Int, v: Int, seed: UInt64) throws -> Tensor {
        let gen = Generator(seed: seed)
        let t = try Tensor.arange(Double(v)).reshape([1, v])
        return try (t * Tensor.rand([n, 1], low: 0.05, high: 0.2, generator: gen) + Tensor.rand([n, 1], low: 0, high: 6, generator: gen)).sin()
    }

    func trainingConfig(epochs: Int) -> MBMTrainingConfig {
        var c = MBMTrainingConfig.defaults(.pretrain)
        (c.numEpoch, c.warmupEpochs, c.batchSize, c.lr) = (epochs, 1, 8, 1e-3)
        return c
    }

    func model(seed: UInt64) throws -> MaskedAutoencoder {
        try MaskedAutoencoder(MAEConfig(["preset": .string("tiny"), "num_voxels": .int(48)]), generator: Generator(seed: seed))
    }

    func testResumeReproducesTheUninterruptedRun() throws {
        let data = try smoothSignals(n: 20, v: 48, seed: 1)
        let straight = try MBMTrainer(model: model(seed: 2), data: data, config: trainingConfig(epochs: 4))
        let straightReports = try straight.run()

        let dir = try temporaryDirectory()
        let first = try MBMTrainer(model: model(seed: 2), data: data, config: trainingConfig(epochs: 4))
        try first.run(epochs: 2)
        try first.saveCheckpoint(to: dir.appendingPathComponent("ckpt.safetensors"))
        // A fresh process would start from different weights and a fresh generator: resume must restore all of it.
        let second = try MBMTrainer(model: model(seed: 99), data: data, config: trainingConfig(epochs: 4))
        XCTAssertEqual(try second.resume(from: dir.appendingPathComponent("ckpt.safetensors")), [], "same length: nothing to say")
        XCTAssertEqual(second.epoch, 2)
        // Extended to 6 epochs, the cosine schedule stretches mid-run: allowed, and said.
        let longer = try MBMTrainer(model: model(seed: 99), data: data, config: trainingConfig(epochs: 6))
        let notes = try longer.resume(from: dir.appendingPathComponent("ckpt.safetensors"))
        XCTAssertEqual(notes.count, 1)
        XCTAssertTrue(notes.first?.contains("was trained for num_epoch = 4 and this run asks for 6: from epoch 3 on, the cosine learning-rate schedule spans 6 epochs") == true, "\(notes)")
        let resumedReports = try second.run()
        XCTAssertEqual(resumedReports.map(\.loss), straightReports.suffix(2).map(\.loss))
        for ((name, a), (_, b)) in zip(straight.model.stateDict(), second.model.stateDict()) {
            XCTAssertEqual(try a.toArray(), try b.toArray(), name)
        }
    }

    func testCheckpointRoundTripAndReferencePickle() throws {
        let dir = try temporaryDirectory()
        let mae = try model(seed: 3)
        let url = dir.appendingPathComponent("mae.safetensors")
        try MAECheckpoint.write(url, model: mae)
        let loaded = try MAECheckpoint.loadModel(url)
        XCTAssertEqual(loaded.config, mae.config)
        for ((name, a), (_, b)) in zip(mae.stateDict(), loaded.stateDict()) { XCTAssertEqual(try a.toArray(), try b.toArray(), name) }
        // The reference's own checkpoint: architecture from shapes, head counts from the pickled config.
        let reference = try MAECheckpoint.loadModel(Fixtures.url("reference/mae.pth"))
        XCTAssertEqual(reference.config.numHeads, 4)
        XCTAssertEqual(reference.config.decoderNumHeads, 2)
        XCTAssertEqual(reference.config.numVoxels, 128)
        let io = try Fixtures.npz("reference/mae_io.npz")
        let loss = try reference(Fixtures.tensor(io, "fmri"), maskRatio: 0.75, noise: Fixtures.tensor(io, "noise")).loss
        XCTAssertLessThan(try relativeError(loss, Fixtures.tensor(io, "loss")), 1e-4)
        assertThrowsMessage(["does not exist"]) { _ = try MAECheckpoint.loadModel(dir.appendingPathComponent("missing.safetensors")) }
        try Safetensors.write([("x", NDArray(floats: [1], shape: [1]))], to: dir.appendingPathComponent("other.safetensors"))
        assertThrowsMessage(["no 'pos_embed'"]) { _ = try MAECheckpoint.loadModel(dir.appendingPathComponent("other.safetensors")) }
    }
}
