import Foundation
import XCTest
@testable import MindIO

final class StateDictTests: XCTestCase {
    private var one: NDArray!

    override func setUpWithError() throws {
        one = try NDArray(floats: [1], shape: [1])
    }

    func testExtractionRulesAndFlattening() throws {
        let checkpoint = PickleValue.dict([
            (.string("epoch"), .int(3)),
            (.string("model"), .dict([
                (.string("a.weight"), .array(one)),
                (.string("block"), .dict([(.string("bias"), .array(one)), (.string("n"), .int(1))])),
                (.string("_meta"), .none),
            ])),
            (.string("ema"), .dict([(.string("x"), .array(one))])),
        ])
        let automatic = try StateDict.extract(from: checkpoint)
        XCTAssertEqual(automatic.names, ["a.weight", "block.bias"])
        XCTAssertEqual(automatic.skipped.map(\.name), ["block.n", "_meta"])
        XCTAssertEqual(automatic.skipped.map(\.kind), ["int", "None"])
        XCTAssertEqual(try StateDict.extract(from: checkpoint, keyPath: "ema").names, ["x"])
        XCTAssertEqual(try StateDict.extract(from: checkpoint, keyPath: "model.block").names, ["bias"])
        assertThrowsMessage(try StateDict.extract(from: checkpoint, keyPath: "optimizer"),
                            contains: "no key 'optimizer'", "keys: epoch, model, ema")
        assertThrowsMessage(try StateDict.extract(from: checkpoint, keyPath: "epoch"), contains: "'epoch' is a int, not a dict")
        // A flat dict without a conventional key is the state dict itself.
        let flat = PickleValue.dict([(.string("w"), .array(one)), (.string("step"), .int(2))])
        let stateDict = try StateDict.extract(from: flat)
        XCTAssertEqual(stateDict.names, ["w"])
        XCTAssertEqual(stateDict.skipped.map(\.name), ["step"])
    }

    func testPrefixStripping() throws {
        let stateDict = StateDict(tensors: [("cond_stage_model.x", one), ("model.diffusion_model.y", one), ("first_stage_model.z", one)])
        let stripped = stateDict.strippingPrefix("cond_stage_model.")
        XCTAssertEqual(stripped.names, ["x"])
        XCTAssertEqual(stripped.droppedByPrefix, ["model.diffusion_model.y", "first_stage_model.z"])
    }

    func testLoadChoosesTheFormat() throws {
        let fromSafetensors = try StateDict.load(contentsOf: TestFiles.fixture("reference/vq.safetensors"))
        XCTAssertEqual(fromSafetensors.tensors.count, 125)
        let fromNPZ = try StateDict.load(contentsOf: TestFiles.crafted("npz_compressed_mixed.npz"))
        XCTAssertEqual(fromNPZ.names, ["floats", "ints", "mask"])
        XCTAssertEqual(fromNPZ.skipped.map(\.name), ["names", "objects"])
        // An unknown extension is sniffed from the content.
        let directory = try TestFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let copy = directory.appendingPathComponent("weights.model")
        try FileManager.default.copyItem(at: TestFiles.fixture("reference/unet.ckpt"), to: copy)
        let sniffed = try StateDict.load(contentsOf: copy, stripPrefix: "model.diffusion_model.")
        XCTAssertEqual(sniffed.tensors.count, 292)
        let reference = try Safetensors.read(contentsOf: TestFiles.fixture("reference/unet.safetensors")).arrays
        XCTAssertEqual(Set(sniffed.names), Set(reference.map(\.name)))
        assertThrowsMessage(try StateDict.load(contentsOf: copy, keyPath: "global_step"), contains: "weights.model: state dict: no key 'global_step'")
        assertThrowsMessage(try StateDict.load(contentsOf: directory.appendingPathComponent("missing.bin")), contains: "missing.bin", "cannot open")
    }
}
