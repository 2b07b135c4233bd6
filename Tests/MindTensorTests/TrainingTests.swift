import XCTest
@testable import MindTensor

final class TrainingTests: XCTestCase {
    /// A 2-layer MLP learns y = sin(3x) * x on [-1, 1] from a fixed seed.
    func testMLPLearnsNonlinearRegression() throws {
        let gen = Generator(seed: 2022)
        let model = Sequential(try Linear(1, 32, generator: gen), try Linear(32, 32, generator: gen), try Linear(32, 1, generator: gen))
        let net = Sequential(model.layers[0], SiLU(), model.layers[1], SiLU(), model.layers[2])
        let x = try Tensor.rand([256, 1], low: -1, high: 1, generator: gen)
        let y = try (x * 3).sin() * x
        let opt = try Adam.adamW(net.parameters(), lr: 1e-2, weightDecay: 0)
        var first: Float = 0, last: Float = 0
        for step in 0..<400 {
            opt.zeroGrad()
            let loss = try net(x).mseLoss(y)
            try loss.backward()
            try opt.step()
            if step == 0 { first = try loss.item() }
            last = try loss.item()
        }
        XCTAssertGreaterThan(first, 0.05)
        XCTAssertLessThan(last, 2e-3, "final loss \(last) from \(first)")
    }
}
