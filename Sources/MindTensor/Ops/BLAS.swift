import CKernels
import COpenBLAS

/// The single door to OpenBLAS: every heavy op is one `cblas_sgemm` (DESIGN.md §4). Operands are
/// passed with transpose flags and leading dimensions so that transposed views never get copied.
public enum BLAS {
    /// A matrix as BLAS sees it: a pointer, whether it is read transposed, and its leading dimension.
    struct Operand {
        let pointer: UnsafeMutablePointer<Float>
        let transposed: Bool
        let ld: Int

        /// The transpose of this matrix, read in place.
        var flipped: Operand { Operand(pointer: pointer, transposed: !transposed, ld: ld) }
    }

    /// Describes a rows x cols matrix with the given element strides, if BLAS can read it in place.
    static func operand(_ pointer: UnsafeMutablePointer<Float>, rows: Int, cols: Int, rowStride: Int, colStride: Int) -> Operand? {
        let rs = rows == 1 ? Swift.max(cols, 1) : rowStride
        let cs = cols == 1 ? 1 : colStride
        if cs == 1 && rs >= Swift.max(cols, 1) { return Operand(pointer: pointer, transposed: false, ld: rs) }
        // Column-major storage is the transpose of a row-major [cols, rows] matrix.
        let rs2 = rows == 1 ? 1 : rowStride
        let cs2 = cols == 1 ? Swift.max(rows, 1) : colStride
        if rs2 == 1 && cs2 >= Swift.max(rows, 1) { return Operand(pointer: pointer, transposed: true, ld: cs2) }
        return nil
    }

    /// C[m, n] = alpha * op(A)[m, k] * op(B)[k, n] + beta * C, row-major, C contiguous with ldc.
    static func gemm(_ a: Operand, _ b: Operand, m: Int, n: Int, k: Int, alpha: Float = 1, beta: Float = 0,
                     c: UnsafeMutablePointer<Float>, ldc: Int) throws {
        guard fitsInterface(m, n, k, a.ld, b.ld, ldc) else {
            throw TensorError("matmul: matrix sizes [\(m), \(k)] x [\(k), \(n)] exceed the 32-bit BLAS interface")
        }
        product(a, b, m: m, n: n, k: k, alpha: alpha, beta: beta, c: c, ldc: ldc)
    }

    /// Whether every size and leading dimension fits BLAS's 32-bit integers.
    static func fitsInterface(_ sizes: Int...) -> Bool { sizes.allSatisfy { $0 <= Int(Int32.max) } }

    /// `gemm` for callers that checked the sizes with `fitsInterface` beforehand (loops of products inside a
    /// parallel region, where nothing can throw).
    static func product(_ a: Operand, _ b: Operand, m: Int, n: Int, k: Int, alpha: Float = 1, beta: Float = 0,
                        c: UnsafeMutablePointer<Float>, ldc: Int) {
        if m == 0 || n == 0 { return }
        if k == 0 {
            // An empty inner product is zero; BLAS would leave C untouched when beta is 1.
            for r in 0..<m { for j in 0..<n { c[r * ldc + j] = beta == 0 ? 0 : beta * c[r * ldc + j] } }
            return
        }
        sgemm(transposeA: a.transposed, transposeB: b.transposed, m: m, n: n, k: k, alpha: alpha, a: a.pointer, lda: a.ld,
              b: b.pointer, ldb: b.ld, beta: beta, c: c, ldc: ldc)
    }

    /// A row-major contiguous operand.
    static func plain(_ pointer: UnsafeMutablePointer<Float>, cols: Int) -> Operand {
        Operand(pointer: pointer, transposed: false, ld: Swift.max(cols, 1))
    }

    /// The transpose of a row-major contiguous [rows, cols] matrix.
    static func transposed(_ pointer: UnsafeMutablePointer<Float>, cols: Int) -> Operand {
        Operand(pointer: pointer, transposed: true, ld: Swift.max(cols, 1))
    }

    // MARK: row-major routines on raw buffers, for array code outside the tensor engine (the simulator's
    // readout and its double-precision ridge solver). Callers pass sizes they have validated: every dimension
    // must fit BLAS's 32-bit integers (the conversions trap otherwise).

    /// C (m×n) = alpha · op(A) · op(B) + beta · C in single precision; op(A) is m×k, op(B) is k×n.
    public static func sgemm(transposeA: Bool = false, transposeB: Bool = false, m: Int, n: Int, k: Int, alpha: Float = 1,
                             a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int, beta: Float = 0,
                             c: UnsafeMutablePointer<Float>, ldc: Int) {
        guard m > 0, n > 0 else { return }
        forEachBlock(m: m, n: n, k: k, transposeA: transposeA, lda: lda, transposeB: transposeB, ldb: ldb, ldc: ldc) { rows, cols, ao, bo, co in
            // With beta = 0 OpenBLAS first clears C in a separate pass (sgemm_beta) that is scalar on some cores
            // (Zen): clearing the block with the kernels' vector fill and accumulating onto it with beta = 1 gives
            // the same sums and makes products with a short inner size (k = 64–128) 8–18% faster.
            if beta == 0 { for r in 0..<rows { mv_fill(c + co + r * ldc, 0, Int64(cols)) } }
            cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                        Int32(rows), Int32(cols), Int32(k), alpha, a + ao, Int32(lda), b + bo, Int32(ldb), beta == 0 ? 1 : beta,
                        c + co, Int32(ldc))
        }
    }

    /// The double-precision `sgemm`.
    public static func dgemm(transposeA: Bool = false, transposeB: Bool = false, m: Int, n: Int, k: Int, alpha: Double = 1,
                             a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int, beta: Double = 0,
                             c: UnsafeMutablePointer<Double>, ldc: Int) {
        guard m > 0, n > 0 else { return }
        forEachBlock(m: m, n: n, k: k, transposeA: transposeA, lda: lda, transposeB: transposeB, ldb: ldb, ldc: ldc) { rows, cols, ao, bo, co in
            cblas_dgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                        Int32(rows), Int32(cols), Int32(k), alpha, a + ao, Int32(lda), b + bo, Int32(ldb), beta, c + co, Int32(ldc))
        }
    }

    /// Splits an m×n product over the workers of `Parallel`: into blocks of rows of C when m ≥ n (each worker
    /// then packs all of op(B), the smaller operand to repeat), else into blocks of columns. `body` gets the
    /// block's size and the element offsets of its first row or column in A, B and C. Small products, and
    /// products requested from inside a parallel region, run whole on the calling thread.
    static func forEachBlock(m: Int, n: Int, k: Int, transposeA: Bool, lda: Int, transposeB: Bool, ldb: Int, ldc: Int,
                             _ body: (_ rows: Int, _ cols: Int, _ aOffset: Int, _ bOffset: Int, _ cOffset: Int) -> Void) {
        _ = singleThreaded
        // In Double: three 32-bit sizes can overflow Int's product.
        guard 2 * Double(m) * Double(n) * Double(k) >= Double(Parallel.minimumFlops), Swift.max(m, n) >= 2 * blockGranule else {
            body(m, n, 0, 0, 0)
            return
        }
        let byRows = m >= n
        let granules = ((byRows ? m : n) + blockGranule - 1) / blockGranule
        Parallel.forEachChunk(granules) { range, _ in
            let lo = range.lowerBound * blockGranule, hi = Swift.min(range.upperBound * blockGranule, byRows ? m : n)
            if byRows {
                body(hi - lo, n, transposeA ? lo : lo * lda, 0, lo * ldc)
            } else {
                body(m, hi - lo, 0, transposeB ? lo * ldb : lo, lo)
            }
        }
    }

    /// Blocks of a split product start at multiples of this many rows or columns, the register-tile sizes
    /// of OpenBLAS's kernels, so no worker gets a ragged edge in the middle of C.
    static let blockGranule = 16

    /// OpenBLAS's own threads are switched off once, before the first call: `Parallel` owns the cores.
    private static let singleThreaded: Void = openblas_set_num_threads(1)

    /// Lower triangle of C (n×n) = alpha · A·Aᵀ + beta · C (A is n×k), or alpha · Aᵀ·A + beta · C when
    /// `transpose` (A is k×n); double precision.
    public static func dsyrkLower(transpose: Bool, n: Int, k: Int, alpha: Double = 1, a: UnsafePointer<Double>, lda: Int,
                                  beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int) {
        guard n > 0 else { return }
        withOpenBLASThreads {
            cblas_dsyrk(CblasRowMajor, CblasLower, transpose ? CblasTrans : CblasNoTrans, Int32(n), Int32(k),
                        alpha, a, Int32(lda), beta, c, Int32(ldc))
        }
    }

    /// Solves op(L) · X = B in place (B is rows × columns, L lower triangular rows × rows), or X · op(L) = B
    /// (L is columns × columns) when `right`; double precision.
    public static func dtrsmLower(right: Bool = false, transpose: Bool, rows: Int, columns: Int, l: UnsafePointer<Double>,
                                  ldl: Int, b: UnsafeMutablePointer<Double>, ldb: Int) {
        guard rows > 0, columns > 0 else { return }
        withOpenBLASThreads {
            cblas_dtrsm(CblasRowMajor, right ? CblasRight : CblasLeft, CblasLower, transpose ? CblasTrans : CblasNoTrans,
                        CblasNonUnit, Int32(rows), Int32(columns), 1, l, Int32(ldl), b, Int32(ldb))
        }
    }

    /// The ridge solver's triangular routines have no simple row split, so they borrow OpenBLAS's threads for
    /// the call (outside any region of `Parallel`; its workers spin down on their own afterwards).
    private static func withOpenBLASThreads(_ body: () -> Void) {
        _ = singleThreaded
        guard Parallel.workers > 1, !Parallel.isInsideRegion else { return body() }
        openblas_set_num_threads(Int32(Parallel.workers))
        defer { openblas_set_num_threads(1) }
        body()
    }

    /// How the engine uses the cores, for `--version` and benchmarks.
    public static var threading: String {
        "OpenBLAS single-threaded, products split over \(Parallel.workers) workers"
    }

    /// OpenBLAS's build description (version, core type, threading), for `--version` and benchmarks.
    public static var configuration: String {
        guard let p = openblas_get_config() else { return "OpenBLAS" }
        return String(cString: p)
    }

    /// The kernel family OpenBLAS runs (`Haswell`, `SkylakeX`, `Cooperlake`, `Zen`, ...): chosen by OpenBLAS at load
    /// time from the CPU, or forced by the environment variable `OPENBLAS_CORETYPE`.
    public static var coreName: String {
        guard let p = openblas_get_corename() else { return "unknown" }
        return String(cString: p)
    }

    /// One line for `--version` and benchmarks: configuration, core in use, threading.
    public static var summary: String {
        "BLAS: \(configuration); core \(coreName); \(threading)"
    }
}
