import MindTensor
import XCTest
@testable import MindVis

/// Sampling behaviour beyond the reference: seeds, guidance, progress and its errors, and the training loss.
final class DiffusionSamplingTests: XCTestCase {
    struct Stop: Error {}

    let schedule = try! DiffusionSchedule()

    func testSameSeedGivesSameSamples() throws {
        let unet = try UNetModelTests.tinyModel()
        let context = try UNetModelTests.inputs().context
        func draw(_ seed: UInt64, _ method: SamplerOptions.Method) throws -> [Float] {
            try DiffusionSampling.sample(model: unet, schedule: schedule, context: context, shape: [3, 3, 4, 4], seed: seed,
                                         options: SamplerOptions(method: method, steps: 4, eta: method == .ddim ? 0.5 : 0)).toArray()
        }
        for method in SamplerOptions.Method.allCases {
            XCTAssertEqual(try draw(1, method), try draw(1, method), method.rawValue)
            XCTAssertNotEqual(try draw(1, method), try draw(2, method), method.rawValue)
        }
    }

    func testGuidanceOneEqualsNoGuidanceAndBatchesBothHalves() throws {
        let unet = try UNetModelTests.tinyModel()
        let (x, _, context) = try UNetModelTests.inputs(batch: 2)
        let uncond = try Tensor.zeros([1, UNetConfig.contextTokens, 4])
        func run(_ guidance: Double, _ uncond: Tensor?) throws -> Tensor {
            try DiffusionSampling.sample(model: unet, schedule: schedule, context: context, unconditionalContext: uncond, xT: x,
                                         options: SamplerOptions(method: .plms, steps: 3, guidance: guidance))
        }
        let plain = try run(1, nil)
        XCTAssertEqual(try run(1, uncond).toArray(), try plain.toArray())
        let guided = try run(3, uncond)
        XCTAssertNotEqual(try guided.toArray(), try plain.toArray())
        // ε = ε_u + g (ε_c − ε_u) from one batched call equals the two halves computed apart.
        let t = try Tensor.full([2], 501)
        let predictor = try NoisePredictor(model: unet, context: context, unconditionalContext: uncond, guidance: 3, batch: 2)
        let (ec, eu) = try withNoGrad { (try unet(x, t: t, context: context), try unet(x, t: t, context: uncond.expand([2, 77, 4]))) }
        let expected = try eu + (ec - eu) * 3
        XCTAssertLessThan(try relativeError(withNoGrad { try predictor(x, timestep: 501) }, expected), 1e-5)
    }

    func testSamplingBuildsNoGraphAndRestoresTrainingMode() throws {
        let unet = try UNetModelTests.tinyModel()
        let context = try UNetModelTests.inputs().context
        unet.train()
        let z = try DiffusionSampling.sample(model: unet, schedule: schedule, context: context, shape: [1, 3, 4, 4],
                                             options: SamplerOptions(steps: 2))
        XCTAssertFalse(z.requiresGrad)
        XCTAssertTrue(unet.isTraining)
        XCTAssertTrue(GradMode.isEnabled)
    }

    func testProgressErrorStopsSampling() throws {
        let unet = try UNetModelTests.tinyModel()
        let context = try UNetModelTests.inputs().context
        var seen = 0
        XCTAssertThrowsError(try DiffusionSampling.sample(model: unet, schedule: schedule, context: context, shape: [1, 3, 4, 4],
                                                          options: SamplerOptions(steps: 5)) { done, _ in
            seen = done
            if done == 2 { throw Stop() }
        }) { XCTAssertTrue($0 is Stop) }
        XCTAssertEqual(seen, 2)
        XCTAssertTrue(GradMode.isEnabled)
    }

    func testSamplingErrors() throws {
        let unet = try UNetModelTests.tinyModel()
        let context = try UNetModelTests.inputs().context
        func sample(xT: Tensor? = nil, shape: [Int]? = [1, 3, 4, 4], context: Tensor?, uncond: Tensor? = nil, _ options: SamplerOptions) throws {
            _ = try DiffusionSampling.sample(model: unet, schedule: schedule, context: context, unconditionalContext: uncond,
                                             xT: xT, shape: shape, options: options)
        }
        assertThrowsMessage(["PLMS needs eta = 0"]) { try sample(context: context, SamplerOptions(method: .plms, steps: 2, eta: 0.5)) }
        assertThrowsMessage(["eta must be in [0, 1], got 1.01"]) { try sample(context: context, SamplerOptions(method: .ddim, steps: 2, eta: 1.01)) }
        assertThrowsMessage(["guidance 2.0 needs both a context and an unconditional context"]) { try sample(context: context, SamplerOptions(guidance: 2)) }
        assertThrowsMessage(["either x_T or shape"]) { try sample(xT: Tensor.zeros([1, 3, 4, 4]), context: context, SamplerOptions()) }
        assertThrowsMessage(["give x_T"]) { try sample(shape: nil, context: context, SamplerOptions()) }
        assertThrowsMessage(["starting noise must be [B, 3, H, W]"]) { try sample(shape: [1, 2, 4, 4], context: context, SamplerOptions()) }
        assertThrowsMessage(["context must be [2, T, D] or [1, T, D] for 2 samples"]) { try sample(shape: [2, 3, 4, 4], context: Tensor.zeros([3, 77, 4]), SamplerOptions()) }
        assertThrowsMessage(["context must be [1, T, D] for 1 sample, got [3, 77, 4]"]) { try sample(shape: [1, 3, 4, 4], context: Tensor.zeros([3, 77, 4]), SamplerOptions()) }
        assertThrowsMessage(["does not match the context"]) {
            try sample(context: context, uncond: Tensor.zeros([1, 76, 4]), SamplerOptions(guidance: 2))
        }
        assertThrowsMessage(["steps must be in 1...1000"]) { try sample(context: context, SamplerOptions(steps: 0)) }
    }

    func testStartingFromLatentsWalksThePrefixOfTheGrid() throws {
        let unet = try UNetModelTests.tinyModel()
        let (x, _, context) = try UNetModelTests.inputs(batch: 2)
        let x0 = try Tensor.randn([2, 3, 4, 4], generator: Generator(seed: 9))
        var calls = 0
        func sdedit(_ strength: Double, _ method: SamplerOptions.Method, x0: Tensor) throws -> Tensor {
            try DiffusionSampling.sample(model: unet, schedule: schedule, context: context, xT: x, x0: x0,
                                         options: SamplerOptions(method: method, steps: 10, strength: strength)) { done, total in
                calls = done
                XCTAssertEqual(total, Int(strength * 10))
            }
        }
        // Strength 0.5 of 10 steps: x_0 noised with x_T to the 5th grid point (τ = 401), then 5 DDIM steps down.
        let grid = try SamplingGrid(schedule: schedule, steps: 10, eta: 0)
        XCTAssertEqual(grid.prefix(5).timesteps, [1, 101, 201, 301, 401])
        let predictor = try NoisePredictor(model: unet, context: context, unconditionalContext: nil, guidance: 1, batch: 2)
        let expected = try withNoGrad {
            try DDIMSampler(grid: grid.prefix(5)).run(from: schedule.qSample(x0, t: Tensor.full([2], 401), noise: x), predictor: predictor,
                                                      generator: Generator(seed: 0)) { _, _ in }
        }
        XCTAssertLessThan(try relativeError(sdedit(0.5, .ddim, x0: x0), expected), 1e-6)
        XCTAssertEqual(calls, 5)
        for method in SamplerOptions.Method.allCases {
            // One step from τ = 1 barely moves x_0 (√(1 − ᾱ_1) ≈ 0.04 of noise, then removed).
            XCTAssertLessThan(try relativeError(sdedit(0.1, method, x0: x0), x0), 0.1, method.rawValue)
            // Strength 1 still starts from x_0 noised to the last grid point, not from x_T alone.
            let plain = try DiffusionSampling.sample(model: unet, schedule: schedule, context: context, xT: x, options: SamplerOptions(method: method, steps: 10))
            XCTAssertNotEqual(try sdedit(1, method, x0: x0).toArray(), try plain.toArray(), method.rawValue)
        }
        // One x_0 [1, C, H, W] serves every sample.
        let first = try x0.narrow(0, start: 0, length: 1)
        XCTAssertEqual(try sdedit(0.5, .plms, x0: first).toArray(), try sdedit(0.5, .plms, x0: Tensor.cat([first, first], dim: 0)).toArray())
        func sample(_ x0: Tensor?, _ strength: Double) throws {
            _ = try DiffusionSampling.sample(model: unet, schedule: schedule, context: context, xT: x, x0: x0, options: SamplerOptions(steps: 10, strength: strength))
        }
        assertThrowsMessage(["strength 0.5 needs latents to start from"]) { try sample(nil, 0.5) }
        assertThrowsMessage(["strength must be in (0, 1], got 1.5"]) { try sample(x0, 1.5) }
        assertThrowsMessage(["strength 0.05 of 10 steps walks none"]) { try sample(x0, 0.05) }
        assertThrowsMessage(["x_0 must be [2, 3, 4, 4] or [1, ...]"]) { try sample(Tensor.zeros([3, 3, 4, 4]), 0.5) }
    }

    func testQSampleAndLoss() throws {
        let x0 = try Tensor.ones([2, 1, 2, 2]), noise = try Tensor.full([2, 1, 2, 2], 2)
        let z = try schedule.qSample(x0, t: Tensor([0, 999]), noise: noise).toArray()
        let a0 = schedule.alphasCumprod[0], a999 = schedule.alphasCumprod[999]
        XCTAssertEqual(Double(z[0]), a0.squareRoot() + 2 * (1 - a0).squareRoot(), accuracy: 1e-6)
        XCTAssertEqual(Double(z[7]), a999.squareRoot() + 2 * (1 - a999).squareRoot(), accuracy: 1e-6)
        assertThrowsMessage(["timesteps must be integers in 0...999", "1000"]) { _ = try self.schedule.qSample(x0, t: Tensor([0, 1000]), noise: noise) }
        assertThrowsMessage(["timesteps must be integers", "1.5"]) { _ = try self.schedule.qSample(x0, t: Tensor([0, 1.5]), noise: noise) }
        // Per-sample mean over (C, H, W), then the batch mean.
        let loss = try epsilonLoss(Tensor([1, 1, 1, 1, 0, 0, 0, 0], shape: [2, 1, 2, 2]), Tensor.zeros([2, 1, 2, 2]))
        XCTAssertEqual(try loss.item(), 0.5)
        assertThrowsMessage(["epsilon_loss"]) { _ = try epsilonLoss(Tensor.zeros([2, 3]), Tensor.zeros([2, 4])) }
        assertThrowsMessage(["diffusion schedule: needs 0 < linear_start < linear_end < 1"]) { _ = try DiffusionSchedule(linearStart: 0.1, linearEnd: 0.01) }
    }
}
