import XCTest
@testable import MindTensor

/// Large products are split by `BLAS.forEachBlock` into one block of rows (m ≥ n) or columns per worker.
/// Every transpose combination, ragged block edges and padded leading dimensions must give the plain
/// triple loop's result, and a product requested from inside a parallel region must run whole.
final class SplitProductTests: XCTestCase {
    /// Row-major m×n of op(A)·op(B) by the definition, in double.
    func reference(_ a: [Float], _ b: [Float], m: Int, n: Int, k: Int, ta: Bool, tb: Bool, lda: Int, ldb: Int) -> [Float] {
        var c = [Float](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var s = 0.0
                for p in 0..<k { s += Double(ta ? a[p * lda + i] : a[i * lda + p]) * Double(tb ? b[j * ldb + p] : b[p * ldb + j]) }
                c[i * n + j] = Float(s)
            }
        }
        return c
    }

    func testSplitProductsMatchTheDefinitionForEveryLayout() throws {
        let gen = Generator(seed: 11)
        // (m, n, k): tall (row blocks, m not a multiple of the granule), wide (column blocks), and a small
        // product below the threshold that runs whole.
        for (m, n, k) in [(203, 37, 150), (29, 181, 200), (5, 6, 7)] {
            let big = 2 * m * n * k >= Parallel.minimumFlops
            XCTAssertEqual(big, m * n > 100, "shape \(m)x\(n)x\(k) is meant to \(big ? "" : "not ")split")
            for ta in [false, true] {
                for tb in [false, true] {
                    let lda = (ta ? m : k) + 3, ldb = (tb ? k : n) + 2, ldc = n + 5
                    let a = try Tensor.randn([(ta ? k : m) * lda], generator: gen).toArray()
                    let b = try Tensor.randn([(tb ? n : k) * ldb], generator: gen).toArray()
                    var c = [Float](repeating: .nan, count: m * ldc)
                    BLAS.sgemm(transposeA: ta, transposeB: tb, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, c: &c, ldc: ldc)
                    let want = reference(a, b, m: m, n: n, k: k, ta: ta, tb: tb, lda: lda, ldb: ldb)
                    for i in 0..<m {
                        assertClose(Array(c[i * ldc ..< i * ldc + n]), Array(want[i * n ..< (i + 1) * n]), tolerance: 1e-4,
                                    "\(m)x\(n)x\(k) ta=\(ta) tb=\(tb) row \(i)")
                        // The padding between rows of C is never written.
                        XCTAssertTrue(c[i * ldc + n ..< (i + 1) * ldc].allSatisfy(\.isNaN), "padding of row \(i) was written")
                    }
                }
            }
        }
    }

    func testDoublePrecisionProductSplitsLikeSingle() throws {
        let (m, n, k) = (150, 40, 120)
        let a = (0..<m * k).map { Double(($0 * 7) % 11) - 5 }, b = (0..<k * n).map { Double(($0 * 3) % 13) - 6 }
        var c = [Double](repeating: 0, count: m * n)
        BLAS.dgemm(m: m, n: n, k: k, a: a, lda: k, b: b, ldb: n, c: &c, ldc: n)
        for i in stride(from: 0, to: m, by: 17) {
            for j in 0..<n {
                let want = (0..<k).reduce(0.0) { $0 + a[i * k + $1] * b[$1 * n + j] }
                XCTAssertEqual(c[i * n + j], want, "C[\(i), \(j)]")
            }
        }
    }

    func testBlocksCoverTheProductOnceAndRunWholeInsideARegion() {
        // Outside a region: row blocks at multiples of the granule that tile 0..<m exactly.
        let lock = NSLock()
        var blocks: [(rows: Int, cOffset: Int)] = []
        BLAS.forEachBlock(m: 1000, n: 64, k: 64, transposeA: false, lda: 64, transposeB: false, ldb: 64, ldc: 64) { rows, cols, _, _, c in
            XCTAssertEqual(cols, 64)
            lock.lock(); blocks.append((rows, c)); lock.unlock()
        }
        blocks.sort { $0.cOffset < $1.cOffset }
        XCTAssertEqual(blocks.count, Parallel.workers)
        XCTAssertEqual(blocks.map(\.rows).reduce(0, +), 1000)
        for (i, b) in blocks.enumerated() {
            XCTAssertEqual(b.cOffset % (BLAS.blockGranule * 64), 0)
            if i > 0 { XCTAssertEqual(b.cOffset, blocks[i - 1].cOffset + blocks[i - 1].rows * 64) }
        }
        // Inside a region the same product is one block on the worker's own thread.
        var inner: [Int] = []
        Parallel.forEachChunk(2) { _, worker in
            var calls = 0
            BLAS.forEachBlock(m: 1000, n: 64, k: 64, transposeA: false, lda: 64, transposeB: false, ldb: 64, ldc: 64) { rows, _, _, _, _ in
                XCTAssertEqual(rows, 1000)
                calls += 1
            }
            lock.lock(); inner.append(calls); lock.unlock()
        }
        XCTAssertEqual(inner, Array(repeating: 1, count: Parallel.workers))
    }
}
