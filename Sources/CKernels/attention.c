// Attention scores S = A B^T for the short inner dimensions of attention heads (d = 32..128): OpenBLAS
// spends most of such a call packing operands and zeroing C, so this kernel packs B^T once into `bt`
// and runs a 4-row x 16-column register block of FMAs.
#include "CKernels.h"
#include "vecmath.h"

void mv_attention_scores(const float *a, int64_t lda, const float *b, int64_t ldb, float *s, int64_t lds,
                         int64_t rows, int64_t cols, int64_t d, float *bt) {
    int64_t cols16 = (cols + 15) & ~(int64_t)15;
    for (int64_t k = 0; k < d; k++) {
        float *dst = bt + k * cols16;
        for (int64_t j = 0; j < cols; j++) dst[j] = b[j * ldb + k];
        for (int64_t j = cols; j < cols16; j++) dst[j] = 0.0f;
    }
    int64_t i = 0;
    for (; i + 4 <= rows; i += 4) {
        const float *a0 = a + i * lda, *a1 = a0 + lda, *a2 = a1 + lda, *a3 = a2 + lda;
        for (int64_t j = 0; j < cols16; j += 16) {
            __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps(), c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
            __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps(), c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
            const float *col = bt + j;
            for (int64_t k = 0; k < d; k++) {
                __m256 b0 = _mm256_loadu_ps(col + k * cols16), b1 = _mm256_loadu_ps(col + k * cols16 + 8);
                __m256 x0 = _mm256_broadcast_ss(a0 + k), x1 = _mm256_broadcast_ss(a1 + k);
                __m256 x2 = _mm256_broadcast_ss(a2 + k), x3 = _mm256_broadcast_ss(a3 + k);
                c00 = _mm256_fmadd_ps(x0, b0, c00); c01 = _mm256_fmadd_ps(x0, b1, c01);
                c10 = _mm256_fmadd_ps(x1, b0, c10); c11 = _mm256_fmadd_ps(x1, b1, c11);
                c20 = _mm256_fmadd_ps(x2, b0, c20); c21 = _mm256_fmadd_ps(x2, b1, c21);
                c30 = _mm256_fmadd_ps(x3, b0, c30); c31 = _mm256_fmadd_ps(x3, b1, c31);
            }
            __m256 out[4][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}};
            int64_t n = cols - j < 16 ? cols - j : 16;
            for (int r = 0; r < 4; r++) {
                float *row = s + (i + r) * lds + j;
                if (n == 16) { _mm256_storeu_ps(row, out[r][0]); _mm256_storeu_ps(row + 8, out[r][1]); }
                else if (n > 8) { _mm256_storeu_ps(row, out[r][0]); mv_store_partial(row + 8, out[r][1], n - 8); }
                else mv_store_partial(row, out[r][0], n);
            }
        }
    }
    for (; i < rows; i++) {
        const float *a0 = a + i * lda;
        for (int64_t j = 0; j < cols16; j += 8) {
            __m256 c = _mm256_setzero_ps();
            for (int64_t k = 0; k < d; k++) c = _mm256_fmadd_ps(_mm256_broadcast_ss(a0 + k), _mm256_loadu_ps(bt + k * cols16 + j), c);
            int64_t n = cols - j < 8 ? cols - j : 8;
            if (n > 0) mv_store_partial(s + i * lds + j, c, n);
        }
    }
}
