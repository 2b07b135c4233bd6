import CKernels

/// A seeded random stream (xoshiro256**). Every random draw in MindVis goes through one of these,
/// so the same seed and config give the same numbers on every run and machine.
public final class Generator {
    var rngState = mv_rng()

    public init(seed: UInt64) {
        mv_rng_seed(&rngState, seed)
    }

    /// Re-seeds in place (`mv.manual_seed`).
    public func manualSeed(_ seed: UInt64) {
        mv_rng_seed(&rngState, seed)
    }

    /// The full stream state (four words), for checkpoints that must resume the exact same draws.
    public var state: [UInt64] { [rngState.s.0, rngState.s.1, rngState.s.2, rngState.s.3] }

    public func restore(_ state: [UInt64]) throws {
        guard state.count == 4, state.contains(where: { $0 != 0 }) else {
            throw TensorError("generator: a state is four words, not all zero; got \(state)")
        }
        rngState.s = (state[0], state[1], state[2], state[3])
    }

    /// The process-wide default stream used when an op is not given a generator.
    public static let `default` = Generator(seed: 2022)

    /// A uniformly distributed integer in `0..<bound` (bound > 0), without modulo bias.
    public func nextInt(below bound: Int) -> Int {
        precondition(bound > 0, "nextInt(below:) needs a positive bound")
        let b = UInt64(bound)
        let threshold = (0 &- b) % b
        while true {
            let r = mv_rng_next(&rngState)
            if r >= threshold { return Int(r % b) }
        }
    }

    /// A uniform Double in [0, 1).
    public func nextUnit() -> Double {
        Double(mv_rng_next(&rngState) >> 11) * (1.0 / 9007199254740992.0)
    }

    func fillUniform(_ p: UnsafeMutablePointer<Float>, count: Int, low: Float, high: Float) {
        mv_rng_uniform(&rngState, p, Int64(count), low, high)
    }

    func fillNormal(_ p: UnsafeMutablePointer<Float>, count: Int, mean: Float, std: Float) {
        mv_rng_normal(&rngState, p, Int64(count), mean, std)
    }

    func fillBernoulli(_ p: UnsafeMutablePointer<Float>, count: Int, keep: Float, scale: Float) {
        mv_rng_bernoulli_mask(&rngState, p, Int64(count), keep, scale)
    }

    /// A Fisher-Yates permutation of `0..<n`.
    public func permutation(_ n: Int) -> [Int] {
        var p = Array(0..<n)
        if n < 2 { return p }
        for i in stride(from: n - 1, to: 0, by: -1) {
            p.swapAt(i, nextInt(below: i + 1))
        }
        return p
    }
}

/// Seeds the default generator (`torch.manual_seed`).
public func manualSeed(_ seed: UInt64) {
    Generator.default.manualSeed(seed)
}
