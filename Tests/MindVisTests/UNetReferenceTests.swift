import MindIO
import MindTensor
import XCTest
@testable import MindVis

/// The UNet's forward pass against the reference PyTorch `UNetModel` (`unet_io.npz`), with weights from
/// `unet.safetensors` and from the LDM-style `unet.ckpt` (`state_dict` / `model.diffusion_model.*`).
final class UNetReferenceTests: XCTestCase {
    static func config(_ io: [String: NDArray]) throws -> UNetConfig {
        func ints(_ key: String) throws -> ConfigValue { .list(try XCTUnwrap(io[key], key).doubles().map { .int(Int($0)) }) }
        func int(_ key: String) throws -> ConfigValue { .int(try Fixtures.int(io, key)) }
        func bool(_ key: String) throws -> ConfigValue { .bool(try Fixtures.int(io, key) != 0) }
        return try UNetConfig([
            "preset": .string("tiny"), "image_size": try int("image_size"), "in_channels": try int("in_channels"),
            "out_channels": try int("out_channels"), "model_channels": try int("model_channels"),
            "attention_resolutions": try ints("attention_resolutions"), "num_res_blocks": try int("num_res_blocks"),
            "channel_mult": try ints("channel_mult"), "num_heads": try int("num_heads"),
            "use_spatial_transformer": try bool("use_spatial_transformer"), "transformer_depth": try int("transformer_depth"),
            "context_dim": try int("context_dim"), "use_time_cond": try bool("use_time_cond"), "global_pool": try bool("global_pool"),
        ])
    }

    /// The reference UNet with the fixture weights, from either file.
    static func referenceModel(_ file: String) throws -> UNetModel {
        let io = try Fixtures.npz("reference/unet_io.npz")
        let unet = try UNetModel(config(io))
        let url = try Fixtures.url("reference/" + file)
        if file.hasSuffix(".ckpt") {
            let state = try StateDict.load(contentsOf: url, keyPath: "state_dict").namedTensors()
            try unet.loadStateDict(state, prefix: "model.diffusion_model.")
        } else {
            try unet.loadStateDict(StateDict.load(contentsOf: url).namedTensors())
        }
        return unet
    }

    func testForwardMatchesReference() throws {
        let io = try Fixtures.npz("reference/unet_io.npz")
        let x = try Fixtures.tensor(io, "x"), t = try Fixtures.tensor(io, "t"), context = try Fixtures.tensor(io, "context")
        for file in ["unet.safetensors", "unet.ckpt"] {
            let unet = try UNetReferenceTests.referenceModel(file)
            let out = try withNoGrad { try unet(x, t: t, context: context) }
            XCTAssertLessThan(try relativeError(out, Fixtures.tensor(io, "out")), 1e-4, file)
        }
    }

    func testStateDictOrderAndNamesMatchReference() throws {
        let io = try Fixtures.npz("reference/unet_io.npz")
        let unet = try UNetModel(UNetReferenceTests.config(io))
        let names = unet.stateDict().map(\.name)
        let reference = try StateDict.load(contentsOf: Fixtures.url("reference/unet.safetensors")).names
        XCTAssertEqual(Set(names), Set(reference))
        // PyTorch's order: the time MLP, the time conditioning, then the blocks; inside a transformer block
        // attn1, ff, attn2, norm1..3 (registration order, not alphabetical).
        XCTAssertEqual(names.first, "time_embed.0.weight")
        XCTAssertEqual(names[4], "time_embed_condtion.0.weight")
        var children: [String] = []
        for name in names where name.hasPrefix("input_blocks.1.1.transformer_blocks.0.") {
            let child = String(name.split(separator: ".")[5])
            if children.last != child { children.append(child) }
        }
        XCTAssertEqual(children, ["attn1", "ff", "attn2", "norm1", "norm2", "norm3"])
    }
}
