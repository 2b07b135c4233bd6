import MindIO
import MindTensor
import XCTest
@testable import MindVis

/// The masked forward pass and the conditioning encoder against outputs of the reference PyTorch
/// code (`mae_io.npz`), with weights from `mae.safetensors` and from the pickled `mae.pth`.
final class MAEReferenceTests: XCTestCase {
    func config(_ io: [String: NDArray]) throws -> MAEConfig {
        try MAEConfig([
            "num_voxels": .int(try Fixtures.int(io, "num_voxels")), "patch_size": .int(try Fixtures.int(io, "patch_size")),
            "embed_dim": .int(try Fixtures.int(io, "embed_dim")), "depth": .int(try Fixtures.int(io, "depth")),
            "num_heads": .int(try Fixtures.int(io, "num_heads")), "decoder_embed_dim": .int(try Fixtures.int(io, "decoder_embed_dim")),
            "decoder_depth": .int(try Fixtures.int(io, "decoder_depth")), "decoder_num_heads": .int(try Fixtures.int(io, "decoder_num_heads")),
            "mlp_ratio": .double(try Fixtures.double(io, "mlp_ratio")),
        ])
    }

    func weights(_ file: String) throws -> [(name: String, tensor: Tensor)] {
        try StateDict.load(contentsOf: Fixtures.url("reference/" + file), keyPath: file.hasSuffix(".pth") ? "model" : nil).namedTensors()
    }

    func testMaskedForwardMatchesReference() throws {
        let io = try Fixtures.npz("reference/mae_io.npz")
        for file in ["mae.safetensors", "mae.pth"] {
            let mae = try MaskedAutoencoder(config(io))
            try mae.loadStateDict(weights(file))
            let x = try Fixtures.tensor(io, "fmri"), noise = try Fixtures.tensor(io, "noise")
            let (latent, mask, ids) = try mae.forwardEncoder(x, maskRatio: 0.75, noise: noise)
            XCTAssertEqual(try ids.toArray(), try Fixtures.tensor(io, "ids_restore").toArray(), file)
            XCTAssertEqual(try mask.toArray(), try Fixtures.tensor(io, "mask").toArray(), file)
            XCTAssertLessThan(try relativeError(latent, Fixtures.tensor(io, "latent")), 1e-4, "\(file) latent")
            let pred = try mae.forwardDecoder(latent, idsRestore: ids)
            XCTAssertLessThan(try relativeError(pred, Fixtures.tensor(io, "pred")), 1e-4, "\(file) pred")
            let loss = try mae.forwardLoss(x, pred: pred, mask: mask)
            XCTAssertLessThan(try relativeError(loss, Fixtures.tensor(io, "loss")), 1e-4, "\(file) loss")
        }
    }

    func testConditioningEncoderMatchesReference() throws {
        let io = try Fixtures.npz("reference/mae_io.npz")
        let encoder = try FMRIEncoder(FMRIEncoderConfig(mae: config(io), globalPool: try Fixtures.int(io, "global_pool") != 0))
        // The MAE checkpoint also holds decoder weights and the mask token: load non-strictly, as stage B does.
        let (missing, unexpected) = try encoder.loadStateDict(weights("mae.safetensors"), strict: false)
        XCTAssertEqual(missing, [])
        XCTAssertTrue(unexpected.contains("mask_token") && unexpected.contains("decoder_pred.weight"))
        let out = try encoder(Fixtures.tensor(io, "fmri"))
        XCTAssertLessThan(try relativeError(out, Fixtures.tensor(io, "encoder_out")), 1e-4)
    }
}
