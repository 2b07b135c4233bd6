/// The shared, reference-typed random stream of tensor ops, modules and training loops: one
/// `Xoshiro256StarStar` that every holder advances. The same seed and config give the same numbers on
/// every run and machine.
public final class Generator {
    var stream: Xoshiro256StarStar

    public init(seed: UInt64) {
        stream = Xoshiro256StarStar(seed: seed)
    }

    /// Re-seeds in place (`mv.manual_seed`).
    public func manualSeed(_ seed: UInt64) {
        stream = Xoshiro256StarStar(seed: seed)
    }

    /// The full stream state (four words), for checkpoints that must resume the exact same draws.
    public var state: [UInt64] { stream.words }

    public func restore(_ state: [UInt64]) throws {
        guard state.count == 4, state.contains(where: { $0 != 0 }) else {
            throw TensorError("generator: a state is four words, not all zero; got \(state)")
        }
        stream = Xoshiro256StarStar(words: state)
    }

    /// The process-wide default stream used when an op is not given a generator.
    public static let `default` = Generator(seed: 2022)

    /// A uniformly distributed integer in `0..<bound` (bound > 0), without modulo bias.
    public func nextInt(below bound: Int) -> Int {
        stream.nextInt(below: bound)
    }

    /// A uniform Double in [0, 1).
    public func nextUnit() -> Double {
        stream.nextDouble()
    }

    /// A Fisher-Yates permutation of `0..<n`.
    public func permutation(_ n: Int) -> [Int] {
        stream.permutation(n)
    }

    // The fills advance a local copy of the stream: a class property accessed in the loop would pay for an
    // exclusivity check on every draw.

    func fillUniform(_ p: UnsafeMutablePointer<Float>, count: Int, low: Float, high: Float) {
        var s = stream
        for i in 0..<count { p[i] = s.uniform(low, high) }
        stream = s
    }

    func fillNormal(_ p: UnsafeMutablePointer<Float>, count: Int, mean: Float, std: Float) {
        var s = stream
        s.fillNormal(UnsafeMutableBufferPointer(start: p, count: count), scale: std)
        stream = s
        if mean != 0 { for i in 0..<count { p[i] += mean } }
    }

    func fillBernoulli(_ p: UnsafeMutablePointer<Float>, count: Int, keep: Float, scale: Float) {
        var s = stream
        for i in 0..<count { p[i] = s.nextFloat() < keep ? scale : 0 }
        stream = s
    }
}

/// Seeds the default generator (`torch.manual_seed`).
public func manualSeed(_ seed: UInt64) {
    Generator.default.manualSeed(seed)
}
