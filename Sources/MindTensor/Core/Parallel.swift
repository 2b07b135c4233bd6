import Foundation
import Dispatch

/// Our own level of threading, used instead of — never together with — OpenBLAS's threads
/// (DESIGN.md §4): memory-bound kernels split their elements or rows over the two cores, and loops of
/// many small GEMMs (attention's per-head products) run whole (batch, head) pairs per worker with
/// OpenBLAS switched to one thread.
enum Parallel {
    /// Two workers on this 2-core machine; more would only oversubscribe.
    static let workers = Swift.max(1, Swift.min(2, ProcessInfo.processInfo.activeProcessorCount))

    /// Below this much work per call, thread hand-off costs more than it saves.
    static let minimumFlops = 2_000_000

    /// Elementwise kernels stay on one core below this many elements (the hand-off costs ~10 µs).
    static let minimumElements = 1 << 16

    /// Splits `0..<count` into one contiguous range per worker and runs `body(range, worker)` on each,
    /// in parallel when there are at least `minimum` items (`weight` scales items to elements, e.g. a
    /// row's length for row kernels).
    static func chunks(_ count: Int, weight: Int = 1, minimum: Int = minimumElements, _ body: (Range<Int>, Int) -> Void) {
        if workers == 1 || count < 2 || count * Swift.max(weight, 1) < minimum {
            body(0..<count, 0)
            return
        }
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            let lo = count * w / workers, hi = count * (w + 1) / workers
            if lo < hi { body(lo..<hi, w) }
        }
    }

    /// Runs `body(b, h, worker)` for every (batch, head) pair; pairs are split into contiguous runs,
    /// one per worker. The first error stops the work and is rethrown.
    static func forEachPair(batch: Int, heads: Int, flopsPerPair: Int,
                            _ body: (Int, Int, Int) throws -> Void) throws {
        let pairs = batch * heads
        if workers == 1 || pairs < 2 || pairs * flopsPerPair < minimumFlops {
            for i in 0..<pairs { try body(i / heads, i % heads, 0) }
            return
        }
        let saved = BLAS.threads
        BLAS.threads = 1
        defer { BLAS.threads = saved }
        var errors = [Error?](repeating: nil, count: workers)
        errors.withUnsafeMutableBufferPointer { slots in
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                let lo = pairs * w / workers, hi = pairs * (w + 1) / workers
                do {
                    for i in lo..<hi { try body(i / heads, i % heads, w) }
                } catch {
                    slots[w] = error
                }
            }
        }
        if let e = errors.compactMap({ $0 }).first { throw e }
    }
}
