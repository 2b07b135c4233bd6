#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// xoshiro256** (Blackman & Vigna), seeded through SplitMix64: the one random-number generator of MindVis.
/// `Generator` (the shared, reference-typed stream of tensor ops and training) wraps one; the simulator and the
/// image augmentations use it directly as a value. Its methods use algorithms fixed here (not the standard
/// library's), so a seed gives bit-identical results on every toolchain.
///
/// Independent streams are derived from a seed and a list of keys (`init(seed:stream:)`), so work split
/// across threads draws from per-item streams and results do not depend on the split.
public struct Xoshiro256StarStar: RandomNumberGenerator, Sendable {
    private var s0: UInt64
    private var s1: UInt64
    private var s2: UInt64
    private var s3: UInt64

    public init(seed: UInt64) {
        var sm = seed
        s0 = Xoshiro256StarStar.splitMix(&sm)
        s1 = Xoshiro256StarStar.splitMix(&sm)
        s2 = Xoshiro256StarStar.splitMix(&sm)
        s3 = Xoshiro256StarStar.splitMix(&sm)
    }

    /// Resumes a stream from its four state words (`words`); `Generator.restore` checks them first.
    init(words: [UInt64]) {
        (s0, s1, s2, s3) = (words[0], words[1], words[2], words[3])
    }

    /// The full state, for checkpoints that must resume the exact same draws.
    var words: [UInt64] { [s0, s1, s2, s3] }

    /// A generator for the stream identified by `keys` under `seed`.
    public init(seed: UInt64, stream keys: UInt64...) {
        self.init(seed: Xoshiro256StarStar.derive(seed, keys))
    }

    /// Mixes keys into a seed; different key lists give unrelated seeds.
    public static func derive(_ seed: UInt64, _ keys: [UInt64]) -> UInt64 {
        var h = seed
        for key in keys {
            var k = key &+ 0x632B_E59B_D9B4_E019
            h = splitMix(&h) ^ splitMix(&k)
        }
        return h
    }

    @inline(__always)
    static func splitMix(_ state: inout UInt64) -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    @inline(__always)
    public mutating func next() -> UInt64 {
        let result = Xoshiro256StarStar.rotate(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = Xoshiro256StarStar.rotate(s3, 45)
        return result
    }

    @inline(__always)
    private static func rotate(_ x: UInt64, _ k: UInt64) -> UInt64 {
        (x << k) | (x >> (64 - k))
    }

    /// Uniform in [0, 1) with 24 random bits.
    @inline(__always)
    public mutating func nextFloat() -> Float {
        Float(next() >> 40) * 0x1p-24
    }

    /// Uniform in [0, 1) with 53 random bits.
    @inline(__always)
    public mutating func nextDouble() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// Uniform in [lower, upper).
    @inline(__always)
    public mutating func uniform(_ lower: Float, _ upper: Float) -> Float {
        lower + (upper - lower) * nextFloat()
    }

    /// Uniform integer in 0..<bound (bound > 0), unbiased: draws below 2^64 mod bound are rejected, so the
    /// accepted range is a whole number of copies of 0..<bound.
    public mutating func nextInt(below bound: Int) -> Int {
        precondition(bound > 0, "nextInt(below:) needs a positive bound")
        let b = UInt64(bound)
        let threshold = (0 &- b) % b
        while true {
            let r = next()
            if r >= threshold { return Int(r % b) }
        }
    }

    /// Fisher–Yates shuffle with `nextInt(below:)`.
    public mutating func shuffle<T>(_ array: inout [T]) {
        guard array.count > 1 else { return }
        for i in stride(from: array.count - 1, to: 0, by: -1) {
            let j = nextInt(below: i + 1)
            array.swapAt(i, j)
        }
    }

    /// A uniformly random permutation of 0..<n.
    public mutating func permutation(_ n: Int) -> [Int] {
        var p = Array(0..<n)
        shuffle(&p)
        return p
    }

    // MARK: normal draws (Marsaglia–Tsang ziggurat, 128 layers)

    /// A standard normal draw.
    @inline(__always)
    public mutating func nextNormal() -> Float {
        let u = next()
        let layer = Int(u & 127)
        let j = Int32(truncatingIfNeeded: u >> 32)
        let table = Ziggurat.shared
        if j.magnitude < table.k[layer] { return Float(j) * table.w[layer] }
        return normalTail(j: j, layer: layer, table: table)
    }

    /// Fills `buffer` with `scale * N(0, 1)` draws.
    public mutating func fillNormal(_ buffer: UnsafeMutableBufferPointer<Float>, scale: Float = 1) {
        let table = Ziggurat.shared
        table.k.withUnsafeBufferPointer { k in
            table.w.withUnsafeBufferPointer { w in
                for i in 0..<buffer.count {
                    let u = next()
                    let layer = Int(u & 127)
                    let j = Int32(truncatingIfNeeded: u >> 32)
                    let z = j.magnitude < k[layer] ? Float(j) * w[layer] : normalTail(j: j, layer: layer, table: table)
                    buffer[i] = scale * z
                }
            }
        }
    }

    /// The rejection part of the ziggurat: wedges and the tail beyond r.
    private mutating func normalTail(j startJ: Int32, layer startLayer: Int, table: Ziggurat) -> Float {
        var j = startJ
        var layer = startLayer
        while true {
            let x = Double(j) * Double(table.w[layer])
            if layer == 0 {
                var tx = 0.0
                var ty = 0.0
                repeat {
                    tx = -log(openUnit()) / Ziggurat.r
                    ty = -log(openUnit())
                } while ty + ty < tx * tx
                return Float(j > 0 ? Ziggurat.r + tx : -Ziggurat.r - tx)
            }
            let f0 = table.f[layer]
            let f1 = table.f[layer - 1]
            if f0 + nextDouble() * (f1 - f0) < exp(-0.5 * x * x) { return Float(x) }
            let u = next()
            layer = Int(u & 127)
            j = Int32(truncatingIfNeeded: u >> 32)
            if j.magnitude < table.k[layer] { return Float(j) * table.w[layer] }
        }
    }

    /// Uniform in (0, 1), never 0, for logarithms.
    @inline(__always)
    private mutating func openUnit() -> Double {
        (Double(next() >> 11) + 0.5) * 0x1p-53
    }
}


/// Tables of the 128-layer ziggurat for the standard normal (Marsaglia & Tsang 2000), built once.
final class Ziggurat: Sendable {
    static let r = 3.442619855899
    static let shared = Ziggurat()

    let k: [UInt32]
    let w: [Float]
    let f: [Double]

    private init() {
        let m1 = 2147483648.0
        let area = 9.91256303526217e-3
        var dn = Ziggurat.r
        var tn = dn
        let q = area / exp(-0.5 * dn * dn)
        var k = [UInt32](repeating: 0, count: 128)
        var w = [Float](repeating: 0, count: 128)
        var f = [Double](repeating: 0, count: 128)
        k[0] = UInt32((dn / q) * m1)
        k[1] = 0
        w[0] = Float(q / m1)
        w[127] = Float(dn / m1)
        f[0] = 1
        f[127] = exp(-0.5 * dn * dn)
        for i in stride(from: 126, through: 1, by: -1) {
            dn = (-2 * log(area / dn + exp(-0.5 * dn * dn))).squareRoot()
            k[i + 1] = UInt32((dn / tn) * m1)
            tn = dn
            f[i] = exp(-0.5 * dn * dn)
            w[i] = Float(dn / m1)
        }
        self.k = k
        self.w = w
        self.f = f
    }
}
