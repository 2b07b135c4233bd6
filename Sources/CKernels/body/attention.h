// Attention scores S = A B^T for the short inner dimensions of attention heads (d = 32..128): OpenBLAS
// spends most of such a call packing operands and zeroing C, so this kernel packs B^T once into `bt`
// and runs a 4-row x 2-vector register block of FMAs (4 x 16 columns on AVX2, 4 x 32 on AVX-512).
// A kernel body: compiled once per instruction-set variant (see variant.h).

#define MV_SCORE_PANEL (2 * VF_WIDTH)
_Static_assert(MV_SCORE_PANEL <= MV_ATTENTION_PANEL, "the caller's scratch is sized for panels of MV_ATTENTION_PANEL columns");

// Stores the first n (1..2·VF_WIDTH) columns of a register pair.
MV_INLINE void store_pair(float *row, vfloat lo, vfloat hi, int64_t n) {
    if (n == MV_SCORE_PANEL) { vf_store(row, lo); vf_store(row + VF_WIDTH, hi); }
    else if (n > VF_WIDTH) { vf_store(row, lo); vf_store_partial(row + VF_WIDTH, hi, n - VF_WIDTH); }
    else vf_store_partial(row, lo, n);
}

static void attention_scores(const float *a, int64_t lda, const float *b, int64_t ldb, float *s, int64_t lds,
                             int64_t rows, int64_t cols, int64_t d, float *bt) {
    int64_t width = (cols + MV_SCORE_PANEL - 1) / MV_SCORE_PANEL * MV_SCORE_PANEL; // row length of packed B^T
    for (int64_t k = 0; k < d; k++) {
        float *dst = bt + k * width;
        for (int64_t j = 0; j < cols; j++) dst[j] = b[j * ldb + k];
        for (int64_t j = cols; j < width; j++) dst[j] = 0.0f;
    }
    int64_t i = 0;
    for (; i + 4 <= rows; i += 4) {
        const float *a0 = a + i * lda, *a1 = a0 + lda, *a2 = a1 + lda, *a3 = a2 + lda;
        for (int64_t j = 0; j < width; j += MV_SCORE_PANEL) {
            vfloat c00 = vf_zero(), c01 = vf_zero(), c10 = vf_zero(), c11 = vf_zero();
            vfloat c20 = vf_zero(), c21 = vf_zero(), c30 = vf_zero(), c31 = vf_zero();
            const float *col = bt + j;
            for (int64_t k = 0; k < d; k++) {
                vfloat b0 = vf_load(col + k * width), b1 = vf_load(col + k * width + VF_WIDTH);
                vfloat x0 = vf_set1(a0[k]), x1 = vf_set1(a1[k]), x2 = vf_set1(a2[k]), x3 = vf_set1(a3[k]);
                c00 = vf_fmadd(x0, b0, c00); c01 = vf_fmadd(x0, b1, c01);
                c10 = vf_fmadd(x1, b0, c10); c11 = vf_fmadd(x1, b1, c11);
                c20 = vf_fmadd(x2, b0, c20); c21 = vf_fmadd(x2, b1, c21);
                c30 = vf_fmadd(x3, b0, c30); c31 = vf_fmadd(x3, b1, c31);
            }
            int64_t n = cols - j < MV_SCORE_PANEL ? cols - j : MV_SCORE_PANEL;
            float *row = s + i * lds + j;
            store_pair(row, c00, c01, n);
            store_pair(row + lds, c10, c11, n);
            store_pair(row + 2 * lds, c20, c21, n);
            store_pair(row + 3 * lds, c30, c31, n);
        }
    }
    for (; i < rows; i++) {
        const float *a0 = a + i * lda;
        for (int64_t j = 0; j < cols; j += VF_WIDTH) {
            vfloat c = vf_zero();
            for (int64_t k = 0; k < d; k++) c = vf_fmadd(vf_set1(a0[k]), vf_load(bt + k * width + j), c);
            int64_t n = cols - j < VF_WIDTH ? cols - j : VF_WIDTH;
            vf_store_partial(s + i * lds + j, c, n);
        }
    }
}
