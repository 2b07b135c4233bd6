import MindTensor

/// Cholesky factorization and solves for symmetric positive-definite systems, in double precision, built on
/// CBLAS (Debian's OpenBLAS ships no LAPACK header): a right-looking blocked factorization whose panel
/// solves and trailing updates are `dtrsm` and `dsyrk`.
enum Cholesky {
    static let blockSize = 64

    /// Replaces the lower triangle of the n×n row-major matrix `a` by L with A = L·Lᵀ (the strict upper
    /// triangle is not referenced). Throws if A is not (numerically) positive definite.
    static func factor(_ a: UnsafeMutablePointer<Double>, n: Int, operation: String) throws {
        var k = 0
        while k < n {
            let kb = min(blockSize, n - k)
            let diagonal = a + k * n + k
            try factorUnblocked(diagonal, n: kb, lda: n, offset: k, operation: operation)
            let rest = n - k - kb
            if rest > 0 {
                let panel = a + (k + kb) * n + k
                // Panel · L_kkᵀ = A_panel  →  panel = A_panel · L_kk⁻ᵀ.
                BLAS.dtrsmLower(right: true, transpose: true, rows: rest, columns: kb, l: diagonal, ldl: n, b: panel, ldb: n)
                BLAS.dsyrkLower(transpose: false, n: rest, k: kb, alpha: -1, a: panel, lda: n, beta: 1,
                                c: a + (k + kb) * n + (k + kb), ldc: n)
            }
            k += kb
        }
    }

    private static func factorUnblocked(_ a: UnsafeMutablePointer<Double>, n: Int, lda: Int, offset: Int,
                                        operation: String) throws {
        for j in 0..<n {
            var d = a[j * lda + j]
            for p in 0..<j { d -= a[j * lda + p] * a[j * lda + p] }
            guard d > 0, d.isFinite else {
                throw TensorError("\(operation): matrix is not positive definite (pivot \(offset + j) is \(d)); increase the ridge penalty")
            }
            let l = d.squareRoot()
            a[j * lda + j] = l
            for i in (j + 1)..<n {
                var s = a[i * lda + j]
                for p in 0..<j { s -= a[i * lda + p] * a[j * lda + p] }
                a[i * lda + j] = s / l
            }
        }
    }

    /// Solves L·Lᵀ·X = B in place (B is n × columns, row-major) with L from `factor`.
    static func solve(factor l: UnsafePointer<Double>, n: Int, b: UnsafeMutablePointer<Double>, columns: Int) {
        BLAS.dtrsmLower(transpose: false, rows: n, columns: columns, l: l, ldl: n, b: b, ldb: columns)
        BLAS.dtrsmLower(transpose: true, rows: n, columns: columns, l: l, ldl: n, b: b, ldb: columns)
    }
}
