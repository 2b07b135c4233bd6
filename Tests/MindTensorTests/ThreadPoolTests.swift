import CKernels
import Foundation
import XCTest
@testable import MindTensor

/// `mv_pool_run` (pool.c), the threads under `Parallel`: every share runs once with its own index, inside a region,
/// whether the helpers are spinning, asleep, or busy with a region another thread started.
final class ThreadPoolTests: XCTestCase {
    /// Counts the shares each call of `mv_pool_run` ran, by index, and whether each ran inside a region.
    final class Tally {
        let lock = NSLock()
        var runs: [Int]
        var outsideRegion = 0
        init(workers: Int) { runs = Array(repeating: 0, count: workers) }
    }

    func run(workers: Int, _ tally: Tally) {
        withExtendedLifetime(tally) {
            mv_pool_run(Int64(workers), { context, worker in
                let tally = Unmanaged<Tally>.fromOpaque(context!).takeUnretainedValue()
                tally.lock.lock()
                tally.runs[Int(worker)] += 1
                if mv_region_depth() == 0 { tally.outsideRegion += 1 }
                tally.lock.unlock()
            }, Unmanaged.passUnretained(tally).toOpaque())
        }
    }

    func testEveryShareRunsOnceInsideARegion() {
        for workers in 1...MV_POOL_MAX_WORKERS {
            let tally = Tally(workers: Int(workers))
            for _ in 0..<1000 { run(workers: Int(workers), tally) }
            XCTAssertEqual(tally.runs, Array(repeating: 1000, count: Int(workers)), "\(workers) workers")
            XCTAssertEqual(tally.outsideRegion, 0)
        }
        XCTAssertEqual(mv_region_depth(), 0, "the caller leaves its region")
    }

    /// After 1 ms without work the helpers sleep (their spin is shorter): the next regions wake them or run without them.
    func testRegionsAfterTheHelpersSleep() {
        let tally = Tally(workers: 2)
        for _ in 0..<20 {
            usleep(1000)
            run(workers: 2, tally)
        }
        XCTAssertEqual(tally.runs, [20, 20])
    }

    /// Regions started from several threads at once: one uses the helpers, the others run their shares inline; none is
    /// lost or run twice.
    func testRegionsFromSeveralThreadsAtOnce() {
        let tallies = (0..<4).map { _ in Tally(workers: 2) }
        DispatchQueue.concurrentPerform(iterations: tallies.count) { t in
            for _ in 0..<500 { run(workers: 2, tallies[t]) }
        }
        for tally in tallies {
            XCTAssertEqual(tally.runs, [500, 500])
            XCTAssertEqual(tally.outsideRegion, 0)
        }
    }

    /// Parallel's chunks through the pool: contiguous ranges that cover the items once, and a region inside a region
    /// runs inline on its worker.
    func testChunksCoverTheItemsAndNestedRegionsRunInline() {
        var seen = [Int](repeating: 0, count: 1001)
        let lock = NSLock()
        var nestedWorkers: [Int] = []
        seen.withUnsafeMutableBufferPointer { seen in
            Parallel.forEachChunk(1001) { range, _ in
                for i in range { seen[i] += 1 }
                Parallel.forEachChunk(10) { inner, worker in
                    lock.lock(); nestedWorkers.append(worker); lock.unlock()
                    XCTAssertEqual(inner, 0..<10)
                }
            }
        }
        XCTAssertEqual(seen, Array(repeating: 1, count: 1001))
        XCTAssertEqual(nestedWorkers, Array(repeating: 0, count: Parallel.workers))
    }
}
