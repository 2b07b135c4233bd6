import Foundation
import MindIO
import MindTensor
import XCTest
@testable import MindVis

final class VQCheckpointTests: XCTestCase {
    func testOurCheckpointRoundTripsWithItsConfig() throws {
        let dir = try temporaryDirectory()
        let config = try VQTestData.tiny(["n_embed": .int(16)], ddconfig: [("attn_resolutions", .list([.int(8)]))])
        let model = try VQModel(config, generator: Generator(seed: 1))
        let url = dir.appendingPathComponent("vq.safetensors")
        try VQCheckpoint.write(url, model: model)
        let loaded = try VQCheckpoint.loadModel(url)
        XCTAssertEqual(loaded.config, config)
        for ((name, a), (_, b)) in zip(model.stateDict(), loaded.stateDict()) { XCTAssertEqual(try a.toArray(), try b.toArray(), name) }
        // A checkpoint of another configuration names the first mismatching key and both shapes.
        assertThrowsMessage(["vq.safetensors", "quantize.embedding.weight", "checkpoint shape [16, 3]", "model shape [32, 3]"]) {
            _ = try VQCheckpoint.loadModel(url, config: VQTestData.tiny())
        }
        assertThrowsMessage(["does not exist"]) { _ = try VQCheckpoint.loadModel(dir.appendingPathComponent("missing.safetensors")) }
        try Safetensors.write([("x", NDArray(floats: [1], shape: [1]))], to: dir.appendingPathComponent("other.safetensors"))
        assertThrowsMessage(["no 'quantize.embedding.weight'", "VQ autoencoder checkpoint"]) {
            _ = try VQCheckpoint.loadModel(dir.appendingPathComponent("other.safetensors"))
        }
    }

    func testReferenceCheckpointsLoadByName() throws {
        let io = try Fixtures.npz("reference/vq_io.npz")
        let expected = try VQReferenceTests.config(io)
        // vq.ckpt carries no config: the architecture comes from its shapes, the resolution from the caller.
        let model = try VQCheckpoint.loadModel(Fixtures.url("reference/vq.ckpt"), resolution: 16)
        XCTAssertEqual(model.config, expected)
        let decoded = try model.reconstruct(Fixtures.tensor(io, "image"))
        XCTAssertLessThan(try relativeError(decoded, Fixtures.tensor(io, "decoded")), 1e-4)

        // A whole LDM checkpoint: the first stage is `first_stage_model.*` among the UNet's weights.
        let dir = try temporaryDirectory()
        let ldm = dir.appendingPathComponent("model.safetensors")
        var arrays: [NamedArray] = try model.stateDict().map { ("first_stage_model." + $0.name, try NDArray($0.tensor)) }
        arrays.append(("model.diffusion_model.out.2.bias", try NDArray(floats: [0, 0, 0], shape: [3])))
        try Safetensors.write(arrays, to: ldm)
        let fromLDM = try VQCheckpoint.loadModel(ldm, config: expected)
        XCTAssertLessThan(try relativeError(fromLDM.reconstruct(Fixtures.tensor(io, "image")), Fixtures.tensor(io, "decoded")), 1e-4)
    }
}
