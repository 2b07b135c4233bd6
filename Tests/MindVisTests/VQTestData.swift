import Foundation
import MindTensor
@testable import MindVis

/// Small inputs shared by the VQ tests.
enum VQTestData {
    static func tiny(_ overrides: [String: ConfigValue] = [:], ddconfig: [(String, ConfigValue)] = []) throws -> VQConfig {
        var values = overrides
        values["preset"] = .string("tiny")
        if !ddconfig.isEmpty { values["ddconfig"] = .table(ddconfig) }
        return try VQConfig(values)
    }

    /// `count` smooth colour images [count, 3, size, size] in [−1, 1]: per channel a tilted sinusoid with its own
    /// frequency and phase, plus a soft disc — structure a small autoencoder can learn.
    static func images(count: Int, size: Int, seed: UInt64) throws -> Tensor {
        let gen = Generator(seed: seed)
        var values: [Float] = []
        for _ in 0..<count {
            let cx = Float(gen.nextUnit()) * Float(size), cy = Float(gen.nextUnit()) * Float(size), radius = Float(size) * (0.2 + 0.2 * Float(gen.nextUnit()))
            for _ in 0..<3 {
                let fx = 0.2 + 0.6 * Float(gen.nextUnit()), fy = 0.2 + 0.6 * Float(gen.nextUnit())
                let phase = 6.28 * Float(gen.nextUnit()), disc = 2 * Float(gen.nextUnit()) - 1
                for y in 0..<size {
                    for x in 0..<size {
                        let d = ((Float(x) - cx) * (Float(x) - cx) + (Float(y) - cy) * (Float(y) - cy)).squareRoot()
                        let inside = 1 / (1 + Foundation.exp((d - radius) * 1.5))
                        values.append(0.6 * Foundation.sin(fx * Float(x) + fy * Float(y) + phase) * (1 - inside) + 0.9 * disc * inside)
                    }
                }
            }
        }
        return try Tensor(values, shape: [count, 3, size, size])
    }
}
