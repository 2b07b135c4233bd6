import XCTest
import MindTensor
@testable import MindVis

/// The MAE on the tiny preset: structure, gradients, and training behaviour.
final class MAEModelTests: XCTestCase {
    func tinyMAE(voxels: Int = 64, seed: UInt64 = 1) throws -> MaskedAutoencoder {
        try MaskedAutoencoder(MAEConfig(["preset": .string("tiny"), "num_voxels": .int(voxels), "depth": .int(1)]),
                              generator: Generator(seed: seed))
    }

    func testParameterNamesMatchTheReference() throws {
        let names = try tinyMAE().stateDict().map(\.name)
        XCTAssertEqual(Array(names.prefix(6)), ["cls_token", "pos_embed", "mask_token", "decoder_pos_embed", "patch_embed.proj.weight", "patch_embed.proj.bias"])
        for expected in ["blocks.0.attn.qkv.weight", "blocks.0.mlp.fc2.bias", "norm.weight", "decoder_embed.weight",
                         "decoder_blocks.0.norm1.bias", "decoder_norm.weight", "decoder_pred.bias"] {
            XCTAssertTrue(names.contains(expected), expected)
        }
    }

    func testShapesMaskAndLossDefinition() throws {
        let mae = try tinyMAE()
        let x = try Tensor.randn([3, 1, 64], generator: Generator(seed: 2))
        let (latent, mask, ids) = try mae.forwardEncoder(x, maskRatio: 0.75, generator: Generator(seed: 3))
        XCTAssertEqual(latent.shape, [3, 2, 32], "4 patches, 1 kept + cls")
        XCTAssertEqual(mask.shape, [3, 4])
        XCTAssertEqual(try mask.sum(1).toArray(), [3, 3, 3])
        for row in 0..<3 { XCTAssertEqual(Set(try ids.select(0, row).toArray()), [0, 1, 2, 3]) }
        let pred = try mae.forwardDecoder(latent, idsRestore: ids)
        XCTAssertEqual(pred.shape, [3, 4, 16])
        // Loss = mean over masked patches of the per-patch MSE.
        let loss = try mae.forwardLoss(x, pred: pred, mask: mask).item()
        let target = try mae.patchify(x), perPatch = try (pred - target).pow(2).mean(-1).toArray(), m = try mask.toArray()
        let expected = zip(perPatch, m).map { $0 * $1 }.reduce(0, +) / m.reduce(0, +)
        XCTAssertEqual(loss, expected, accuracy: 1e-5)
        assertThrowsMessage(["PatchEmbed1D", "[3, 1, 60]"]) { _ = try mae(Tensor.zeros([3, 1, 60])) }
        assertThrowsMessage(["num_voxels 70 is not a multiple of patch_size 16"]) {
            _ = try MAEConfig(["preset": .string("tiny"), "num_voxels": .int(70)])
        }
        assertThrowsMessage(["unknown key 'embed_dims'", "did you mean 'embed_dim'"]) {
            _ = try MAEConfig(["num_voxels": .int(64), "embed_dims": .int(8)])
        }
    }

    /// Central differences through the whole model (tiny preset, fixed masking noise).
    func testWholeModelGradientsMatchFiniteDifferences() throws {
        let mae = try tinyMAE(voxels: 48, seed: 4)
        let x = try Tensor.randn([2, 1, 48], generator: Generator(seed: 5))
        let noise = try Tensor.rand([2, 3], generator: Generator(seed: 6))
        let loss = try mae(x, maskRatio: 0.5, noise: noise).loss
        try loss.backward()
        let probe = Generator(seed: 8)
        for (name, p) in mae.namedParameters() where p.isGradLeaf {
            let grad = try XCTUnwrap(p.grad, name)
            let g = try grad.toArray()
            let scale = Swift.max(g.map { Swift.abs($0) }.max() ?? 0, 1e-4)
            for _ in 0..<3 {
                let i = probe.nextInt(below: p.numel)
                let original = p.data[i], h: Float = 1e-2
                p.data[i] = original + h
                let up = try withNoGrad { try mae(x, maskRatio: 0.5, noise: noise).loss.item() }
                p.data[i] = original - h
                let down = try withNoGrad { try mae(x, maskRatio: 0.5, noise: noise).loss.item() }
                p.data[i] = original
                let numeric = (up - down) / (2 * h)
                XCTAssertLessThanOrEqual(Swift.abs(numeric - g[i]), 2e-3 + 3e-2 * scale, "\(name)[\(i)]: analytic \(g[i]) numeric \(numeric)")
            }
        }
    }

    func testProbingReconstructEncodeAndAttention() throws {
        let mae = try tinyMAE(voxels: 64, seed: 11)
        let x = try Tensor.randn([2, 1, 64], generator: Generator(seed: 12))
        let r = try mae.reconstruct(x, maskRatio: 0.5, generator: Generator(seed: 13))
        XCTAssertEqual(r.reconstruction.shape, [2, 1, 64])
        XCTAssertEqual(try r.mask.sum().item(), 4)
        XCTAssertEqual(r.maskedCorrelation.count, 2)
        XCTAssertTrue((r.maskedCorrelation + r.visibleCorrelation).allSatisfy { $0 >= -1 && $0 <= 1 })
        // Unmasked encoding keeps the natural patch order: ascending noise makes masking the identity.
        let ascending = try Tensor.arange(4).reshape([1, 4]).expand([2, 4]).contiguous() * 0.1
        let viaMasking = try mae.forwardEncoder(x, maskRatio: 0, noise: ascending).latent
        XCTAssertLessThan(try relativeError(mae.encode(x), viaMasking), 1e-6)
        let weights = try mae.attentionWeights(x, block: 0)
        XCTAssertEqual(weights.shape, [2, 4, 5, 5])
        for s in try weights.sum(-1).toArray() { XCTAssertEqual(s, 1, accuracy: 1e-5) }
        assertThrowsMessage(["block 3 does not exist"]) { _ = try mae.attentionWeights(x, block: 3) }
    }

    func testPretrainingLowersTheMaskedLoss() throws {
        // Smooth random signals: masked patches are predictable from their neighbours.
        let gen = Generator(seed: 9)
        let n = 96, v = 64
        let t = try Tensor.arange(Double(v)).reshape([1, v])
        let freq = try Tensor.rand([n, 1], low: 0.05, high: 0.2, generator: gen), phase = try Tensor.rand([n, 1], low: 0, high: 6, generator: gen)
        let data = try (t * freq + phase).sin()
        let mae = try tinyMAE(voxels: v, seed: 10)
        var config = MBMTrainingConfig.defaults(.pretrain)
        (config.numEpoch, config.warmupEpochs, config.batchSize, config.lr) = (30, 2, 16, 2e-3)
        let trainer = try MBMTrainer(model: mae, data: data, config: config)
        let reports = try trainer.run()
        XCTAssertEqual(reports.count, 30)
        let first = reports[0].loss, last = reports.last!.loss
        XCTAssertLessThan(last, 0.5 * first, "masked loss \(first) -> \(last)")
        XCTAssertGreaterThan(reports.last!.correlation, reports[0].correlation)
    }
}

func assertThrowsMessage(_ fragments: [String], file: StaticString = #filePath, line: UInt = #line, _ body: () throws -> Void) {
    do {
        try body()
        XCTFail("expected an error containing \(fragments)", file: file, line: line)
    } catch {
        let text = String(describing: error)
        for f in fragments where !text.contains(f) { XCTFail("error '\(text)' does not contain '\(f)'", file: file, line: line) }
    }
}
