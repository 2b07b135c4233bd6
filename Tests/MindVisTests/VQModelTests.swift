import Foundation
import MindIO
import MindTensor
import XCTest
@testable import MindVis

final class VQModelTests: XCTestCase {
    func testPresetsShapesAndReferenceNames() throws {
        let small = try VQConfig(["preset": .string("small")])
        XCTAssertEqual(small.ddconfig.downsamplingFactor, 4)
        XCTAssertEqual(small.latentSize, 16)
        XCTAssertEqual(small.ddconfig.chMult, [1, 2, 2])
        let paper = try VQConfig(["preset": .string("paper")])
        XCTAssertEqual([paper.nEmbed, paper.ddconfig.ch, paper.latentSize], [8192, 128, 64])
        // Overrides inside ddconfig keep the preset's other keys.
        let overridden = try VQTestData.tiny(["n_embed": .int(16)], ddconfig: [("attn_resolutions", .list([.int(8)]))])
        XCTAssertEqual(overridden.ddconfig.attnResolutions, [8])
        XCTAssertEqual(overridden.ddconfig.ch, 32)
        let model = try VQModel(overridden, generator: Generator(seed: 1))
        let names = model.stateDict().map(\.name)
        for name in ["encoder.down.1.attn.0.proj_out.weight", "decoder.up.0.block.1.norm2.bias", "decoder.up.1.attn.1.q.bias",
                     "decoder.up.1.upsample.conv.weight", "encoder.down.0.downsample.conv.weight", "quantize.embedding.weight"] {
            XCTAssertTrue(names.contains(name), name)
        }
        XCTAssertFalse(names.contains { $0.hasPrefix("decoder.up.0.attn") }, "attention only at resolution 8")
        let image = try VQTestData.images(count: 2, size: 16, seed: 1)
        let out = try model.forward(image)
        XCTAssertEqual(out.reconstruction.shape, [2, 3, 16, 16])
        XCTAssertEqual(out.latents.shape, [2, 3, 8, 8])
        XCTAssertEqual(out.indices.shape, [128])
        XCTAssertEqual(out.embLoss.shape, [])
        // The round trip through the configuration's values (what checkpoints store).
        XCTAssertEqual(try VQConfig(ConfigJSON.decode(ConfigJSON.encode(overridden.values), context: "test")), overridden)
    }

    func testConfigErrorsNameTheProblem() {
        assertThrowsMessage(["unknown key 'embed_dims'", "did you mean 'embed_dim'"]) { _ = try VQConfig(["embed_dims": .int(3)]) }
        assertThrowsMessage(["VQModel ddconfig", "unknown key 'ch_mul'", "did you mean 'ch_mult'"]) {
            _ = try VQTestData.tiny(ddconfig: [("ch_mul", .list([.int(1)]))])
        }
        assertThrowsMessage(["unknown preset 'smal'", "did you mean 'small'"]) { _ = try VQConfig(["preset": .string("smal")]) }
        assertThrowsMessage(["resolution 30 is not divisible by 2^(levels-1) = 4"]) { _ = try VQTestData.tiny(ddconfig: [("resolution", .int(30)), ("ch_mult", .list([.int(1), .int(2), .int(2)]))]) }
        assertThrowsMessage(["channel width 48", "32 GroupNorm groups"]) { _ = try VQTestData.tiny(ddconfig: [("ch", .int(48))]) }
        assertThrowsMessage(["'num_res_blocks' must be in 1...64, got 0"]) { _ = try VQTestData.tiny(ddconfig: [("num_res_blocks", .int(0))]) }
        assertThrowsMessage(["double_z must be false"]) { _ = try VQTestData.tiny(ddconfig: [("double_z", .bool(true))]) }
        assertThrowsMessage(["'ddconfig' must be a table"]) { _ = try VQConfig(["ddconfig": .int(3)]) }
    }

    func testBadInputsThrowClearErrors() throws {
        let model = try VQModel(VQTestData.tiny(), generator: Generator(seed: 2))
        assertThrowsMessage(["expects images [B, 3, 16, 16]", "got [1, 3, 32, 32]"]) { _ = try model.encode(Tensor.zeros([1, 3, 32, 32])) }
        assertThrowsMessage(["expects images [B, 3, 16, 16]", "got [1, 1, 16, 16]"]) { _ = try model(Tensor.zeros([1, 1, 16, 16])) }
        assertThrowsMessage(["quantize: expects latents [B, 3, 8, 8]"]) { _ = try model.quantize(Tensor.zeros([1, 4, 8, 8])) }
        assertThrowsMessage(["decode: expects latents [B, 3, 8, 8]", "got [3, 8, 8]"]) { _ = try model.decode(Tensor.zeros([3, 8, 8])) }
        assertThrowsMessage(["decode_code: expects indices [B, 8, 8], [B, 64]"]) { _ = try model.decodeCode(Tensor.zeros([65])) }
        assertThrowsMessage(["index 32.0 is not an integer in [0, 32)"]) { _ = try model.decodeCode(Tensor.full([1, 64], 32)) }
        XCTAssertEqual(try model.decodeCode(Tensor.full([128], 3)).shape, [2, 3, 16, 16])
        // Weights of another configuration: the first mismatching key and both shapes.
        let other = try VQModel(VQTestData.tiny(["n_embed": .int(16)]), generator: Generator(seed: 3))
        assertThrowsMessage(["quantize.embedding.weight", "checkpoint shape [16, 3]", "model shape [32, 3]"]) {
            try model.loadStateDict(other.stateDict())
        }
    }

    /// Gradients of the training loss against central differences of a surrogate with the quantiser's
    /// choices frozen at the base point: quant = h + c with c = (chosen entries − h) held constant, and the
    /// stop-gradient terms of the codebook loss held constant. Its true gradient is what the straight-through
    /// estimator defines, so encoder, decoder, attention, resampling, quant convolutions and the codebook are
    /// all checked, through the straight-through path.
    func testGradientsMatchFiniteDifferencesThroughStraightThrough() throws {
        let config = try VQTestData.tiny(["n_embed": .int(8)], ddconfig: [("attn_resolutions", .list([.int(8)]))])
        let model = try VQModel(config, generator: Generator(seed: 5))
        let x = try VQTestData.images(count: 1, size: 16, seed: 6).requiresGrad()
        // A codebook spread over the latents' range, so most entries are chosen.
        try Init.uniform(model.quantizer.embedding.weight, -0.5, 0.5, generator: Generator(seed: 7))
        let out = try model.forward(x)
        try (out.reconstruction.mseLoss(x.detach()) + out.embLoss).backward()

        let (h0, base) = try withNoGrad { () -> (Tensor, (quant: Tensor, embLoss: Tensor, indices: Tensor)) in
            let h = try model.encode(x)
            return (h, try model.quantize(h))
        }
        let offset = try withNoGrad { try base.quant - h0 }
        let chosen = try withNoGrad { try model.quantizer.entries(base.indices, batch: 1, height: 8, width: 8) }
        let beta = model.quantizer.beta, target = try x.detach().clone()
        func surrogate() throws -> Double {
            try withNoGrad {
                let h = try model.encode(x)
                let rec = try model.decode(h + offset, quantizeFirst: false)
                let entries = try model.quantizer.entries(base.indices, batch: 1, height: 8, width: 8)
                let loss = try rec.mseLoss(target) + h.mseLoss(chosen) + entries.mseLoss(h0) * beta
                return Double(try loss.item())
            }
        }
        let named = Dictionary(model.namedParameters().map { ($0.name, $0.tensor) }, uniquingKeysWith: { a, _ in a })
        let checked = ["encoder.conv_in.weight", "encoder.down.0.block.0.conv1.weight", "encoder.down.0.downsample.conv.weight",
                       "encoder.down.1.block.0.nin_shortcut.weight", "encoder.down.1.attn.0.k.weight", "encoder.mid.attn_1.q.bias",
                       "encoder.norm_out.weight", "quant_conv.weight", "quantize.embedding.weight", "post_quant_conv.bias",
                       "decoder.mid.block_2.conv2.weight", "decoder.up.1.upsample.conv.weight", "decoder.up.0.block.0.norm1.bias",
                       "decoder.conv_out.weight"]
        let tensors = try [("input", x)] + checked.map { ($0, try XCTUnwrap(named[$0], $0)) }
        let pick = Generator(seed: 8), step: Float = 1e-2
        for (name, t) in tensors {
            let analytic = try XCTUnwrap(t.grad, name).toArray()
            let scale = Swift.max(analytic.map { Swift.abs($0) }.max() ?? 0, 1e-3)
            // Entries of the codebook that no latent chose have no gradient to check; test the chosen ones.
            let chosenCodes = Set(try base.indices.toArray().map { Int($0) }).sorted()
            let candidates: [Int] = name == "quantize.embedding.weight" ? chosenCodes.flatMap { [3 * $0, 3 * $0 + 1, 3 * $0 + 2] } : Array(0..<t.numel)
            for _ in 0..<6 {
                let i = candidates[pick.nextInt(below: candidates.count)]
                let original = t.data[i]
                t.data[i] = original + step
                let up = try surrogate()
                t.data[i] = original - step
                let down = try surrogate()
                t.data[i] = original
                let numeric = Float((up - down) / Double(2 * step))
                XCTAssertLessThanOrEqual(Swift.abs(numeric - analytic[i]), 1e-4 + 2e-2 * scale, "\(name)[\(i)]: analytic \(analytic[i]) vs numeric \(numeric)")
            }
        }
    }

    func testStraightThroughPassesTheDecoderGradientUnchanged() throws {
        let model = try VQModel(VQTestData.tiny(), generator: Generator(seed: 9))
        let h = try withNoGrad { try model.encode(VQTestData.images(count: 2, size: 16, seed: 10)) }.requiresGrad()
        let (quant, _, _) = try model.quantize(h)
        try model.decode(quant, quantizeFirst: false).sum().backward()
        let direct = try quant.detach().requiresGrad()
        try model.decode(direct, quantizeFirst: false).sum().backward()
        XCTAssertEqual(try XCTUnwrap(h.grad).toArray(), try XCTUnwrap(direct.grad).toArray())
        // The codebook learns only from the quantiser loss.
        XCTAssertNil(model.quantizer.embedding.weight.grad)
    }

    func testInferenceEqualsTrainingForwardWithAttention() throws {
        let config = try VQTestData.tiny(ddconfig: [("attn_resolutions", .list([.int(16), .int(8)]))])
        let model = try VQModel(config, generator: Generator(seed: 11))
        let images = try VQTestData.images(count: 2, size: 16, seed: 12)
        let training = try model.decode(model.encode(images)).detach().toArray()
        let inference = try model.reconstruct(images, batchSize: 1).toArray()
        XCTAssertEqual(training.count, inference.count)
        let scale = training.map { Swift.abs($0) }.max() ?? 1
        XCTAssertLessThan(zip(training, inference).map { Swift.abs($0 - $1) }.max() ?? 0, 1e-4 * scale)
    }
}
