import MindIO
import MindTensor
import XCTest
@testable import MindVis

/// PLMS and DDIM sampling against the reference samplers (`sampler_io.npz`) with the fixture UNet as the
/// noise model, and the schedule against its defining formulas.
final class DiffusionReferenceTests: XCTestCase {
    func testSamplersMatchReference() throws {
        let io = try Fixtures.npz("reference/sampler_io.npz")
        let schedule = try DiffusionSchedule(timesteps: Fixtures.int(io, "timesteps"), linearStart: Fixtures.double(io, "linear_start"),
                                             linearEnd: Fixtures.double(io, "linear_end"))
        let unet = try UNetReferenceTests.referenceModel("unet.safetensors")
        let xT = try Fixtures.tensor(io, "x_T"), context = try Fixtures.tensor(io, "context")
        let steps = try Fixtures.int(io, "steps")
        for method in SamplerOptions.Method.allCases {
            var calls = 0
            let z = try DiffusionSampling.sample(model: unet, schedule: schedule, context: context, xT: xT,
                                                 options: SamplerOptions(method: method, steps: steps)) { done, total in
                calls += 1
                XCTAssertEqual(total, steps)
                XCTAssertEqual(done, calls)
            }
            XCTAssertEqual(calls, steps)
            XCTAssertLessThan(try relativeError(z, Fixtures.tensor(io, method.rawValue)), 1e-3, method.rawValue)
        }
    }

    func testLinearScheduleIsLinearInSquareRootOfBeta() throws {
        let s = try DiffusionSchedule()
        XCTAssertEqual(s.betas.count, 1000)
        XCTAssertEqual(s.betas[0], 0.0015, accuracy: 1e-15)
        XCTAssertEqual(s.betas[999], 0.0195, accuracy: 1e-15)
        let step = (0.0195.squareRoot() - 0.0015.squareRoot()) / 999
        XCTAssertEqual(s.betas[500].squareRoot(), 0.0015.squareRoot() + 500 * step, accuracy: 1e-15)
        XCTAssertEqual(s.alphasCumprod[1], (1 - s.betas[0]) * (1 - s.betas[1]), accuracy: 1e-15)
        XCTAssertEqual(s.alphasCumprod[999], s.betas.reduce(1) { $0 * (1 - $1) }, accuracy: 1e-12)
    }

    func testSamplingGridFollowsTheReference() throws {
        let s = try DiffusionSchedule()
        let grid = try SamplingGrid(schedule: s, steps: 250, eta: 0)
        XCTAssertEqual(grid.timesteps.count, 250)
        XCTAssertEqual(grid.timesteps.first, 1)
        XCTAssertEqual(grid.timesteps[1], 5)
        XCTAssertEqual(grid.timesteps.last, 997)
        XCTAssertEqual(grid.alphasPrev[0], s.alphasCumprodFloat[0])
        XCTAssertEqual(grid.alphasPrev[1], s.alphasCumprodFloat[1])
        XCTAssertEqual(grid.sigmas, [Float](repeating: 0, count: 250))
        // T // steps does not divide T evenly: the reference visits every second timestep, 500 of them.
        XCTAssertEqual(try SamplingGrid(schedule: s, steps: 400, eta: 0).count, 500)
        // Every 333rd timestep from 1 would reach 1000, past the table, where the reference fails: left out.
        XCTAssertEqual(try SamplingGrid(schedule: s, steps: 3, eta: 0).timesteps, [1, 334, 667])
        assertThrowsMessage(["steps must be in 1...1000"]) { _ = try SamplingGrid(schedule: s, steps: 0, eta: 0) }
    }
}
