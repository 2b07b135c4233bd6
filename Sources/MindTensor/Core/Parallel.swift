import CKernels
import Foundation

/// The one thread pool of the engine (DESIGN.md §4; its threads are pool.c's). OpenBLAS runs single-threaded (see `BLAS`): large
/// GEMMs are split here into one block of rows or columns per worker, memory-bound kernels split their
/// elements or rows, and loops of small GEMMs or simulation work run a contiguous share of the items per
/// worker. A region started from inside another runs inline on its worker, so the cores are never
/// oversubscribed. (With OpenBLAS's own threads, its workers kept spinning for ~0.1 s after each GEMM and
/// competed with these regions: the MAE step's attention and GELU ran a third slower.) Callers that need
/// reproducible results draw randomness from per-item streams, so results do not depend on the split.
public enum Parallel {
    /// Two workers on this 2-core machine; more would only oversubscribe. Ranks that mpirun starts on one machine
    /// share its cores (Open MPI's OMPI_COMM_WORLD_LOCAL_SIZE), so two ranks on two cores run one worker each.
    /// `MINDVIS_THREADS=n` sets the count (1 or 2).
    public static let workers: Int = (try? workers(environment: ProcessInfo.processInfo.environment)) ?? 1

    public static let threadsVariable = "MINDVIS_THREADS"

    /// The worker count for `environment`; an unusable MINDVIS_THREADS is an error (`mindvis` reports it at start).
    public static func workers(environment: [String: String], cores: Int = ProcessInfo.processInfo.activeProcessorCount) throws -> Int {
        if let setting = environment[threadsVariable] {
            guard let n = Int(setting), (1...2).contains(n) else {
                throw TensorError("\(threadsVariable)=\(setting): expected 1 or 2 worker threads")
            }
            return n
        }
        let ranksHere = environment["OMPI_COMM_WORLD_LOCAL_SIZE"].flatMap { Int($0) } ?? 1
        return Swift.max(1, Swift.min(2, cores / Swift.max(1, ranksHere)))
    }

    /// Below this much work per call, thread hand-off costs more than it saves.
    static let minimumFlops = 2_000_000

    /// Elementwise kernels stay on one core below this many elements. A region costs ~0.3 µs back to back and ~4 µs
    /// once the worker has parked (`scripts/bench handoff`), but splitting smaller ops gains nothing: 1 << 14 (and
    /// `minimumFlops` 500,000) ran the UNet training step no faster (Zen 2, three alternating rounds).
    static let minimumElements = 1 << 16

    /// Splits `0..<count` into one contiguous range per worker and runs `body(range, worker)` on each,
    /// in parallel when there are at least `minimum` items (`weight` scales items to elements, e.g. a
    /// row's length for row kernels).
    static func chunks(_ count: Int, weight: Int = 1, minimum: Int = minimumElements, _ body: (Range<Int>, Int) -> Void) {
        if count * Swift.max(weight, 1) < minimum {
            body(0..<count, 0)
            return
        }
        forEachChunk(count, body)
    }

    /// Calls `body(range, worker)` for contiguous sub-ranges of `0..<count`, one per worker, concurrently when
    /// there are at least two items and the caller is not itself a worker (else inline, as worker 0).
    public static func forEachChunk(_ count: Int, _ body: (Range<Int>, Int) -> Void) {
        guard workers > 1, count >= 2, !isInsideRegion else {
            if count > 0 { body(0..<count, 0) }
            return
        }
        split(count, body)
    }

    /// True on a thread that is running one worker's share of a region.
    static var isInsideRegion: Bool { mv_region_depth() > 0 }

    /// One region's work, handed to the pool's threads through a pointer.
    private struct Region {
        let count: Int
        let body: (Range<Int>, Int) -> Void
    }

    /// Runs the workers' shares on `mv_pool_run`'s threads (which spin between regions; see pool.c).
    private static func split(_ count: Int, _ body: (Range<Int>, Int) -> Void) {
        withoutActuallyEscaping(body) { body in
            var region = Region(count: count, body: body)
            withUnsafeMutablePointer(to: &region) { pointer in
                mv_pool_run(Int64(workers), { context, w in
                    let region = context!.assumingMemoryBound(to: Region.self).pointee, worker = Int(w)
                    let lo = region.count * worker / Parallel.workers, hi = region.count * (worker + 1) / Parallel.workers
                    if lo < hi { region.body(lo..<hi, worker) }
                }, pointer)
            }
        }
    }

    /// Runs `body(b, h, worker)` for every (batch, head) pair of a loop of small GEMMs (attention's per-head
    /// products), split by `forEachChunk` when the work is worth it. The first error stops the work and is
    /// rethrown.
    static func forEachPair(batch: Int, heads: Int, flopsPerPair: Int,
                            _ body: (Int, Int, Int) throws -> Void) throws {
        let pairs = batch * heads
        if pairs * flopsPerPair < minimumFlops {
            for i in 0..<pairs { try body(i / heads, i % heads, 0) }
            return
        }
        var errors = [Error?](repeating: nil, count: workers)
        errors.withUnsafeMutableBufferPointer { slots in
            forEachChunk(pairs) { range, w in
                do {
                    for i in range { try body(i / heads, i % heads, w) }
                } catch {
                    slots[w] = error
                }
            }
        }
        if let e = errors.compactMap({ $0 }).first { throw e }
    }
}
