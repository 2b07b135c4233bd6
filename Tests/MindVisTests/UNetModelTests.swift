import MindIO
import MindTensor
import XCTest
@testable import MindVis

/// The UNet's gradients, frozen parameters, inference without a graph, and its errors.
final class UNetModelTests: XCTestCase {
    /// The smallest UNet with every part: two levels, attention at both, context and time conditioning.
    /// Parameters are re-drawn from N(0, 0.2²) so that the zero-initialised output layers pass gradients.
    static func tinyModel(seed: UInt64 = 3) throws -> UNetModel {
        let generator = Generator(seed: seed)
        let unet = try UNetModel(UNetConfig(["preset": .string("tiny"), "context_dim": .int(4)]), generator: generator)
        for p in unet.parameters() { try Init.normal(p, std: 0.2, generator: generator) }
        return unet
    }

    static func inputs(batch: Int = 1, size: Int = 4) throws -> (x: Tensor, t: Tensor, context: Tensor) {
        let g = Generator(seed: 11)
        return (try Tensor.randn([batch, 3, size, size], generator: g), try Tensor((0..<batch).map { Float(17 + 400 * $0) }),
                try Tensor.randn([batch, UNetConfig.contextTokens, 4], generator: g))
    }

    /// Directional finite differences: for each checked tensor p and a random unit direction v, the change of a
    /// random projection of the output along ±h·v must equal <∂L/∂p, v>.
    func checkDirectionalDerivatives(_ unet: UNetModel, checked: [(String, Tensor)], x: Tensor, t: Tensor, context: Tensor) throws {
        let projection = try Tensor.randn([x.shape[0], 3, x.shape[2], x.shape[3]], generator: Generator(seed: 5))
        func loss() throws -> Tensor { try (unet(x, t: t, context: context) * projection).sum() }
        for (_, p) in checked { p.grad = nil }
        try loss().backward()
        let h: Float = 1e-1
        for (k, (name, p)) in checked.enumerated() {
            // A unit direction: the step h·v stays small however many elements p has.
            let raw = try Tensor.randn(p.shape, generator: Generator(seed: 100 + UInt64(k)))
            let direction = try raw / raw.pow(2).sum().sqrt()
            let grad = try XCTUnwrap(p.grad, "\(name) got no gradient")
            let analytic = try zip(grad.toArray(), direction.toArray()).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            let original = try p.toArray()
            func shifted(_ s: Float) throws -> Double {
                try withNoGrad {
                    try p.copyFrom(Tensor(zip(original, try direction.toArray()).map { $0 + s * $1 }, shape: p.shape))
                    return Double(try loss().item())
                }
            }
            let numeric = (try shifted(h) - shifted(-h)) / Double(2 * h)
            try withNoGrad { try p.copyFrom(Tensor(original, shape: p.shape)) }
            // The float32 forward passes leave the numeric value about 2e-5 of noise: two summation orders of the same
            // convolution (im2col against direct sums) moved it by up to 1.4e-5 while the analytic one agreed to 1e-8.
            XCTAssertEqual(analytic, numeric, accuracy: 3e-5 + 2e-2 * Swift.abs(numeric), name)
        }
    }

    func testGradientsMatchFiniteDifferences() throws {
        let unet = try UNetModelTests.tinyModel()
        let (x, t, context) = try UNetModelTests.inputs()
        try x.requiresGrad()
        try context.requiresGrad()
        let named = Dictionary(uniqueKeysWithValues: unet.namedParameters().map { ($0.name, $0.tensor) })
        let picked = ["time_embed.0.weight", "time_embed_condtion.0.weight", "input_blocks.1.0.in_layers.2.weight",
                      "input_blocks.1.1.transformer_blocks.0.attn1.to_q.weight", "input_blocks.1.1.transformer_blocks.0.attn2.to_k.weight",
                      "middle_block.1.transformer_blocks.0.ff.net.0.proj.weight", "output_blocks.0.0.skip_connection.weight", "out.2.weight"]
        let checked = try [("x", x), ("context", context)] + picked.map { ($0, try XCTUnwrap(named[$0], $0)) }
        try checkDirectionalDerivatives(unet, checked: checked, x: x, t: t, context: context)
        // The same with every attention recomputing its probabilities in backward (the memory-saving path).
        for case let attention as CrossAttention in unet.namedModules().map(\.module) { attention.recomputeProbabilitiesAbove = 0 }
        try checkDirectionalDerivatives(unet, checked: checked, x: x, t: t, context: context)
    }

    func testRecomputedAttentionGivesTheSameGradients() throws {
        let unet = try UNetModelTests.tinyModel()
        let (x, t, context) = try UNetModelTests.inputs(batch: 2)
        func gradients() throws -> [Tensor] {
            for p in unet.parameters() { p.grad = nil }
            try unet(x, t: t, context: context).pow(2).sum().backward()
            return try unet.parameters().map { try XCTUnwrap($0.grad) }
        }
        let kept = try gradients()
        for case let attention as CrossAttention in unet.namedModules().map(\.module) { attention.recomputeProbabilitiesAbove = 0 }
        let recomputed = try gradients()
        // Not bit-identical: the recomputing forward runs without a graph, so attention takes the online-softmax
        // path, whose sums are ordered differently. Compared against the largest gradient: parameters feeding a
        // GroupNorm (biases before it) have gradients that are zero up to rounding.
        let scale = try kept.map { try $0.abs().max().item() }.max() ?? 1
        for ((a, b), name) in zip(zip(kept, recomputed), unet.namedParameters().map(\.name)) {
            XCTAssertLessThan(try (a - b).abs().max().item(), 1e-5 * scale, name)
        }
    }

    /// Stage B trains only the cross-attention, its norm and the time conditioning: the frozen rest gets no gradient.
    func testFrozenParametersGetNoGradient() throws {
        let unet = try UNetModelTests.tinyModel()
        let (x, t, context) = try UNetModelTests.inputs()
        try context.requiresGrad()
        let trainable = { (name: String) in ["attn2", "norm2", "time_embed_condtion"].contains { name.contains($0) } }
        for (name, p) in unet.namedParameters() { try p.requiresGrad(trainable(name)) }
        try unet(x, t: t, context: context).sum().backward()
        for (name, p) in unet.namedParameters() {
            XCTAssertEqual(p.grad != nil, trainable(name), name)
        }
        XCTAssertNotNil(context.grad)
    }

    func testInferenceKeepsNoGraph() throws {
        let unet = try UNetModelTests.tinyModel()
        let (x, t, context) = try UNetModelTests.inputs(batch: 2)
        let before = CachingAllocator.shared.statistics.liveBytes
        let out = try withNoGrad { try unet(x, t: t, context: context) }
        XCTAssertNil(out.gradFn)
        XCTAssertFalse(out.requiresGrad)
        // Nothing but the output outlives the call: no tensor was saved for a backward pass.
        XCTAssertEqual(CachingAllocator.shared.statistics.liveBytes - before, out.storage.capacity * MemoryLayout<Float>.stride)
        let recorded = try unet(x, t: t, context: context)
        XCTAssertNotNil(recorded.gradFn)
        // The no-grad forward's attention is the online-softmax path: equal up to the order of its sums.
        XCTAssertLessThan(try relativeError(out, recorded), 1e-5)
    }

    func testBadInputsAreClearErrors() throws {
        let unet = try UNetModelTests.tinyModel()
        let (x, t, context) = try UNetModelTests.inputs(batch: 2)
        assertThrowsMessage(["UNet: expects latents [B, 3, H, W]", "[2, 4, 4, 4]"]) {
            _ = try unet(Tensor.zeros([2, 4, 4, 4]), t: t, context: context)
        }
        assertThrowsMessage(["latent size 5x4", "divisible by 2"]) { _ = try unet(Tensor.zeros([2, 3, 5, 4]), t: t, context: context) }
        assertThrowsMessage(["one timestep per sample", "[3]"]) { _ = try unet(x, t: Tensor.zeros([3]), context: context) }
        assertThrowsMessage(["context [2, T, 4]", "[2, 77, 5]"]) { _ = try unet(x, t: t, context: Tensor.zeros([2, 77, 5])) }
        assertThrowsMessage(["needs 77 context tokens", "[2, 10, 4]"]) { _ = try unet(x, t: t, context: Tensor.zeros([2, 10, 4])) }
        assertThrowsMessage(["use_time_cond needs a context"]) { _ = try unet(x, t: t, context: nil) }
        let pooled = try UNetModel(UNetConfig(["preset": .string("tiny"), "context_dim": .int(4), "global_pool": .bool(true)]))
        XCTAssertEqual(try pooled(x, t: t, context: Tensor.zeros([2, 1, 4])).shape, [2, 3, 4, 4])
        XCTAssertEqual(pooled.namedParameters().filter { $0.name.hasPrefix("time_embed_condtion.") }.map(\.name),
                       ["time_embed_condtion.weight", "time_embed_condtion.bias"])
        assertThrowsMessage(["needs 1 context token"]) { _ = try pooled(x, t: t, context: Tensor.zeros([2, 77, 4])) }
    }

    func testConfigErrorsAndPresets() throws {
        assertThrowsMessage(["unknown key 'model_channel'", "did you mean 'model_channels'"]) {
            _ = try UNetConfig(["model_channel": .int(64)])
        }
        assertThrowsMessage(["unknown preset 'smal'", "did you mean 'small'"]) { _ = try UNetConfig(["preset": .string("smal")]) }
        assertThrowsMessage(["model_channels 48 must be a multiple of 32"]) { _ = try UNetConfig(["model_channels": .int(48)]) }
        assertThrowsMessage(["use_spatial_transformer"]) { _ = try UNetConfig(["use_spatial_transformer": .bool(false)]) }
        assertThrowsMessage(["width 32 cannot have 64 heads"]) { _ = try UNetConfig(["preset": .string("tiny"), "num_heads": .int(64)]) }
        let paper = try UNetConfig(["preset": .string("paper")])
        XCTAssertEqual(paper.channelMult, [1, 2, 3, 5])
        XCTAssertEqual(paper.attentionResolutions, [8, 4, 2])
        XCTAssertEqual(paper.timeEmbedDim, 768)
        XCTAssertEqual(try UNetConfig(Dictionary(uniqueKeysWithValues: paper.values.map { ($0.0, $0.1) })), paper)
        // num_head_channels fixes the head width instead of the head count (legacy sizing: width // heads).
        let widthHeads = try UNetConfig(["preset": .string("small"), "num_head_channels": .int(32), "num_heads": .int(-1)])
        XCTAssertEqual(widthHeads.headLayout(channels: 128).heads, 4)
    }
}
