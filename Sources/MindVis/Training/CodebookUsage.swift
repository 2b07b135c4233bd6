import Foundation
import MindTensor

/// How often each codebook entry was chosen since the last reset (one epoch of training): how many entries are
/// in use, the perplexity of the choices (the number of equally used entries with the same entropy), and the
/// dead entries to restart.
public struct CodebookUsage {
    public private(set) var counts: [Int]

    public init(size: Int) { counts = [Int](repeating: 0, count: size) }

    /// Usage counted so far in an interrupted epoch (empty: none).
    init(size: Int, counts saved: [Int]) throws {
        guard saved.isEmpty || saved.count == size else {
            throw TensorError("codebook usage: \(saved.count) saved counts for a codebook of \(size)")
        }
        counts = saved.isEmpty ? [Int](repeating: 0, count: size) : saved
    }

    /// Counts 0-based indices (a float tensor of integers, as the quantiser returns them).
    public mutating func record(_ indices: Tensor) throws {
        for v in try indices.toArray() {
            let i = Int(v)
            guard i >= 0 && i < counts.count else { throw TensorError("codebook usage: index \(v) is outside a codebook of \(counts.count)") }
            counts[i] += 1
        }
    }

    /// Adds counts made elsewhere (the other ranks' share of a batch).
    public mutating func add(_ other: [Int]) throws {
        guard other.count == counts.count else { throw TensorError("codebook usage: \(other.count) counts for a codebook of \(counts.count)") }
        for i in counts.indices { counts[i] += other[i] }
    }

    public var used: Int { counts.filter { $0 > 0 }.count }
    public var dead: [Int] { counts.indices.filter { counts[$0] == 0 } }

    public var perplexity: Double {
        let total = Double(counts.reduce(0, +))
        guard total > 0 else { return 0 }
        let entropy = counts.reduce(0.0) { h, c in c == 0 ? h : h - Double(c) / total * log(Double(c) / total) }
        return exp(entropy)
    }

    public mutating func reset() { counts = [Int](repeating: 0, count: counts.count) }
}
