import Foundation
import XCTest
@testable import MindIO

final class TorchCheckpointTests: XCTestCase {
    private func assertSameTensors(_ actual: [NamedArray], _ expected: [NamedArray],
                                   file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(actual.count, expected.count, "tensor count", file: file, line: line)
        XCTAssertEqual(Set(actual.map(\.name)), Set(expected.map(\.name)), file: file, line: line)
        let expectedByName = Dictionary(uniqueKeysWithValues: expected.map { ($0.name, $0.array) })
        for (name, array) in actual {
            XCTAssertEqual(array, expectedByName[name], "tensor \(name)", file: file, line: line)
        }
    }

    // MARK: Reference fixtures

    func testMAECheckpointModelEqualsSafetensors() throws {
        let checkpoint = try TorchCheckpoint.load(contentsOf: TestFiles.fixture("reference/mae.pth"))
        let stateDict = try StateDict.extract(from: checkpoint, keyPath: "model")
        let reference = try Safetensors.read(contentsOf: TestFiles.fixture("reference/mae.safetensors"))
        assertSameTensors(stateDict.tensors, reference.arrays)
        XCTAssertEqual(stateDict.tensors.count, 50)
        // Checkpoint order is the model's registration order.
        XCTAssertEqual(Array(stateDict.names.prefix(5)),
                       ["cls_token", "pos_embed", "mask_token", "decoder_pos_embed", "patch_embed.proj.weight"])
        XCTAssertEqual(stateDict["pos_embed"]?.shape, [1, 9, 32])
        XCTAssertEqual(Array(stateDict["cls_token"]?.floats().prefix(3) ?? []), [0.18099578, 0.20243326, -0.23908322])
        // Without a key path the conventional "model" key is found as well.
        XCTAssertEqual(try StateDict.extract(from: checkpoint).names, stateDict.names)
    }

    func testMAEConfigObjectIsInertWithReadableAttributes() throws {
        let checkpoint = try TorchCheckpoint.load(contentsOf: TestFiles.fixture("reference/mae.pth"))
        guard case .object(let className, let args, let state?)? = checkpoint["config"] else {
            return XCTFail("config should be an inert object, got \(checkpoint["config"]?.kindDescription ?? "nothing")")
        }
        XCTAssertEqual(className, "config.Config_MBM_fMRI")
        XCTAssertEqual(args, [])
        XCTAssertEqual(state["mask_ratio"], .float(0.75))
        XCTAssertEqual(checkpoint["config"]?["patch_size"]?.asInt, 16)
        XCTAssertEqual(checkpoint["config"]?["num_voxels"]?.asInt, 128)
        XCTAssertEqual(checkpoint["config"]?["mlp_ratio"]?.asDouble, 4.0)
        XCTAssertEqual(checkpoint["config"]?["lr"]?.asDouble, 0.001)
        XCTAssertEqual(checkpoint["config"]?["dataset"]?.asString, "HCP")
    }

    func testMAEEpochOptimizerAndScaler() throws {
        let checkpoint = try TorchCheckpoint.load(contentsOf: TestFiles.fixture("reference/mae.pth"))
        XCTAssertEqual(checkpoint.asDict?.compactMap { $0.key.asString }, ["model", "optimizer", "epoch", "scaler", "config"])
        XCTAssertEqual(checkpoint["epoch"], .int(7))
        let optimizer = try XCTUnwrap(checkpoint["optimizer"])
        let state = try XCTUnwrap(optimizer["state"])
        XCTAssertEqual(state.asDict?.count, 48)
        let first = try XCTUnwrap(state.value(forKey: .int(0)))
        XCTAssertEqual(first.asDict?.compactMap { $0.key.asString }, ["step", "exp_avg", "exp_avg_sq"])
        XCTAssertEqual(first["step"]?.asArray?.shape, [])
        XCTAssertEqual(first["step"]?.asDouble, 1.0)
        XCTAssertEqual(first["exp_avg"]?.asArray?.shape, [1, 1, 32])
        XCTAssertEqual(first["exp_avg"]?.asArray?.floats().first, 1.17718265e-07)
        let group = try XCTUnwrap(optimizer["param_groups"]?[0])
        XCTAssertEqual(group["lr"]?.asDouble, 0.001)
        XCTAssertEqual(group["betas"], .tuple([.float(0.9), .float(0.999)]))
        XCTAssertEqual(group["eps"]?.asDouble, 1e-8)
        XCTAssertEqual(group["weight_decay"]?.asDouble, 0.05)
        XCTAssertEqual(group["amsgrad"], .bool(false))
        XCTAssertEqual(group["foreach"], PickleValue.none)
        XCTAssertEqual(group["params"]?.asList?.compactMap(\.asInt), (0..<50).map(Int64.init))
        XCTAssertEqual(checkpoint["scaler"]?["scale"]?.asDouble, 65536.0)
        XCTAssertEqual(checkpoint["scaler"]?["growth_interval"]?.asInt, 2000)
        XCTAssertEqual(checkpoint["scaler"]?["_growth_tracker"]?.asInt, 3)
    }

    func testUNetCheckpointWithStrippedPrefixEqualsSafetensors() throws {
        let stateDict = try StateDict.load(contentsOf: TestFiles.fixture("reference/unet.ckpt"))
        XCTAssertEqual(stateDict.tensors.count, 292)
        XCTAssertTrue(stateDict.names.allSatisfy { $0.hasPrefix("model.diffusion_model.") })
        let stripped = stateDict.strippingPrefix("model.diffusion_model.")
        XCTAssertEqual(stripped.droppedByPrefix, [])
        let reference = try Safetensors.read(contentsOf: TestFiles.fixture("reference/unet.safetensors"))
        assertSameTensors(stripped.tensors, reference.arrays)
    }

    func testVQCheckpointEqualsSafetensors() throws {
        let stateDict = try StateDict.load(contentsOf: TestFiles.fixture("reference/vq.ckpt"), keyPath: "state_dict")
        let reference = try Safetensors.read(contentsOf: TestFiles.fixture("reference/vq.safetensors"))
        assertSameTensors(stateDict.tensors, reference.arrays)
        XCTAssertNotNil(stateDict["quantize.embedding.weight"])
        XCTAssertEqual(stateDict.skipped.count, 0)
    }

    // MARK: Crafted layouts

    func testViewsOfSharedStoragesAndEveryDType() throws {
        let checkpoint = try TorchCheckpoint.load(contentsOf: TestFiles.crafted("torch_views.pth"))
        let stateDict = try StateDict.extract(from: checkpoint)
        XCTAssertEqual(stateDict.skipped.count, 0)
        XCTAssertEqual(checkpoint["global_step"], .int(3))
        let unet = stateDict.strippingPrefix("model.diffusion_model.")
        XCTAssertEqual(unet.droppedByPrefix, ["first_stage_model.other"])
        let expected = try NPZ.read(contentsOf: TestFiles.crafted("torch_views_expected.npz"))
        XCTAssertEqual(unet.names, expected.names)
        for (name, array) in unet.tensors {
            let reference = try expected.array(name)
            XCTAssertEqual(array.shape, reference.shape, name)
            if name == "bf16" {
                XCTAssertEqual(array.dtype, .bfloat16)
                XCTAssertEqual(array.floats(), reference.floats())
            } else {
                XCTAssertEqual(array, reference, name)
            }
        }
        XCTAssertEqual(unet["transposed"]?.floats(), [-1, 1, 3, -0.5, 1.5, 3.5, 0, 2, 4, 0.5, 2.5, 4.5])
        XCTAssertEqual(unet["broadcast"]?.floats(), [0.5, 1, 1.5, 0.5, 1, 1.5])
        XCTAssertEqual(unet["scalar"]?.shape, [])
        XCTAssertEqual(unet["empty"]?.shape, [0, 3])
        XCTAssertEqual(try unet["long"]?.int64s(), [-(1 << 40), 0, 7])
    }

    func testSizeDeviceTensorSubclassAndParameterState() throws {
        let checkpoint = try TorchCheckpoint.load(contentsOf: TestFiles.crafted("torch_extras.pth"))
        XCTAssertEqual(checkpoint["size"], .tuple([.int(2), .int(3)]))
        XCTAssertEqual(checkpoint["device"], .string("cuda:1"))
        XCTAssertEqual(checkpoint["cpu"], .string("cpu"))
        XCTAssertEqual(checkpoint["subclass"]?.asArray?.floats(), [-0.5, 0])
        XCTAssertEqual(checkpoint["with_state"]?.asArray?.shape, [2, 2])
        XCTAssertEqual(checkpoint["with_state"]?.asArray?.floats(), [1, 2, 1.5, 2.5])
        XCTAssertEqual(checkpoint["dtype"], .global(module: "torch", name: "Tensor"))
    }

    func testLegacyFormat() throws {
        let checkpoint = try TorchCheckpoint.load(contentsOf: TestFiles.crafted("torch_legacy.pt"))
        let stateDict = try StateDict.extract(from: checkpoint)
        XCTAssertEqual(stateDict.names, ["weight", "weight_t", "steps"])
        let base = (0..<12).map { Float($0) * 0.5 - 1 }
        XCTAssertEqual(stateDict["weight"]?.shape, [3, 4])
        XCTAssertEqual(stateDict["weight"]?.floats(), base)
        XCTAssertEqual(stateDict["weight_t"]?.floats(), (0..<12).map { base[($0 % 3) * 4 + $0 / 3] })
        XCTAssertEqual(try stateDict["steps"]?.int64s(), [0, 7])
    }

    func testBigEndianStoragesAreSwapped() throws {
        let checkpoint = try TorchCheckpoint.load(contentsOf: TestFiles.crafted("torch_big_endian.pth"))
        XCTAssertEqual(checkpoint["w"]?.asArray?.floats(), [0, 0.5, 1, 1.5, 2, 2.5])
        XCTAssertEqual(checkpoint["h"]?.asArray?.floats(), [0.5, -2, 3.25, 65504])
    }

    // MARK: Broken and hostile files

    func testBrokenCheckpointsGiveClearErrors() {
        assertThrowsMessage(try TorchCheckpoint.load(contentsOf: TestFiles.crafted("torch_missing_storage.pth")),
                            contains: "torch_missing_storage.pth", "storage entry 'archive/data/2' is missing")
        assertThrowsMessage(try TorchCheckpoint.load(contentsOf: TestFiles.crafted("torch_view_out_of_bounds.pth")),
                            contains: "reaches element 15, but the storage has 12 elements")
        assertThrowsMessage(try TorchCheckpoint.load(contentsOf: TestFiles.crafted("torch_storage_too_short.pth")),
                            contains: "'archive/data/0' has 44 bytes, but 12 F32 elements need 48")
        assertThrowsMessage(try TorchCheckpoint.load(contentsOf: TestFiles.crafted("torch_huge_shape.pth")),
                            contains: "size [1099511627776, 1099511627776]", "more elements than can be addressed")
        assertThrowsMessage(try TorchCheckpoint.load(contentsOf: TestFiles.crafted("torch_truncated.pth")),
                            contains: "torch_truncated.pth", "not a zip archive")
        assertThrowsMessage(try TorchCheckpoint.load(contentsOf: TestFiles.crafted("st_hole.safetensors")),
                            contains: "not a PyTorch checkpoint")
        assertThrowsMessage(try TorchCheckpoint.load(contentsOf: TestFiles.crafted("pickle_builtins_p2.pkl")),
                            contains: "not a PyTorch checkpoint", "legacy magic number")
        assertThrowsMessage(try TorchCheckpoint.load(contentsOf: TestFiles.crafted("does_not_exist.pth")),
                            contains: "does_not_exist.pth", "cannot open", "No such file")
    }

    func testTruncatedReferenceCheckpoint() throws {
        // Cut the real checkpoint inside a storage: the zip directory is gone, so the reader says so.
        let data = try Data(contentsOf: TestFiles.fixture("reference/mae.pth"))
        let directory = try TestFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("cut.pth")
        try data.prefix(data.count / 2).write(to: url)
        assertThrowsMessage(try TorchCheckpoint.load(contentsOf: url), contains: "cut.pth", "not a zip archive")
    }
}
