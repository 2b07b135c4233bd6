// Row softmax kernels, max-subtracted and fused with an optional input scale (attention's
// 1/sqrt(d) rides along for free).
#include "CKernels.h"
#include "vecmath.h"
#include <math.h>

static float row_max(const float *x, int64_t cols) {
    __m256 m = _mm256_set1_ps(-INFINITY);
    int64_t i = 0;
    for (; i + 8 <= cols; i += 8) m = _mm256_max_ps(m, _mm256_loadu_ps(x + i));
    float best = mv_hmax8(m);
    for (; i < cols; i++) if (x[i] > best) best = x[i];
    return best;
}

// y = exp(scale * (x - max)) with the row sum returned (in double for long rows).
static double exp_shifted(const float *x, float *y, int64_t cols, float scale, float mx) {
    __m256 vs = _mm256_set1_ps(scale), vm = _mm256_set1_ps(mx);
    __m256d acc = _mm256_setzero_pd();
    int64_t i = 0;
    for (; i + 8 <= cols; i += 8) {
        __m256 e = mv_exp8(_mm256_mul_ps(vs, _mm256_sub_ps(_mm256_loadu_ps(x + i), vm)));
        _mm256_storeu_ps(y + i, e);
        acc = _mm256_add_pd(acc, _mm256_add_pd(_mm256_cvtps_pd(_mm256_castps256_ps128(e)),
                                               _mm256_cvtps_pd(_mm256_extractf128_ps(e, 1))));
    }
    double lanes[4];
    _mm256_storeu_pd(lanes, acc);
    double s = lanes[0] + lanes[1] + lanes[2] + lanes[3];
    if (i < cols) {
        int64_t r = cols - i;
        __m256 e = mv_exp8(_mm256_mul_ps(vs, _mm256_sub_ps(mv_load_partial(x + i, r, mx), vm)));
        float tmp[8];
        _mm256_storeu_ps(tmp, e);
        for (int64_t k = 0; k < r; k++) { y[i + k] = tmp[k]; s += tmp[k]; }
    }
    return s;
}

void mv_softmax_rows(const float *x, float *y, int64_t rows, int64_t cols, float scale) {
    for (int64_t r = 0; r < rows; r++) {
        const float *xr = x + r * cols;
        float *yr = y + r * cols;
        // scale > 0 (checked by the caller), so the row maximum also maximises scale * x.
        // Rows of -inf or +inf become NaN through (x - max), as in PyTorch.
        float mx = row_max(xr, cols);
        double s = exp_shifted(xr, yr, cols, scale, mx);
        mv_scale_inplace(yr, (float)(1.0 / s), cols);
    }
}

void mv_log_softmax_rows(const float *x, float *y, int64_t rows, int64_t cols) {
    for (int64_t r = 0; r < rows; r++) {
        const float *xr = x + r * cols;
        float *yr = y + r * cols;
        float mx = row_max(xr, cols);
        double s = exp_shifted(xr, yr, cols, 1.0f, mx);
        float lse = mx + (float)log(s);
        for (int64_t i = 0; i < cols; i++) yr[i] = xr[i] - lse;
    }
}

// dx = scale * y * (dy - sum(dy * y))
void mv_softmax_backward_rows(const float *y, const float *gy, float *gx, int64_t rows, int64_t cols, float scale) {
    for (int64_t r = 0; r < rows; r++) {
        const float *yr = y + r * cols, *gr = gy + r * cols;
        float *xr = gx + r * cols;
        // Eight float lanes per accumulator, summed in double: rows are at most a few thousand long.
        __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
        int64_t i = 0;
        for (; i + 16 <= cols; i += 16) {
            a0 = _mm256_fmadd_ps(_mm256_loadu_ps(yr + i), _mm256_loadu_ps(gr + i), a0);
            a1 = _mm256_fmadd_ps(_mm256_loadu_ps(yr + i + 8), _mm256_loadu_ps(gr + i + 8), a1);
        }
        double dot = (double)mv_hsum8(a0) + (double)mv_hsum8(a1);
        for (; i < cols; i++) dot += (double)yr[i] * gr[i];
        __m256 vd = _mm256_set1_ps((float)dot), vs = _mm256_set1_ps(scale);
        for (i = 0; i + 8 <= cols; i += 8) {
            __m256 y = _mm256_loadu_ps(yr + i), g = _mm256_loadu_ps(gr + i);
            _mm256_storeu_ps(xr + i, _mm256_mul_ps(_mm256_mul_ps(vs, y), _mm256_sub_ps(g, vd)));
        }
        for (; i < cols; i++) xr[i] = scale * yr[i] * (gr[i] - (float)dot);
    }
}

// dx = dy - exp(y) * sum(dy)
void mv_log_softmax_backward_rows(const float *y, const float *gy, float *gx, int64_t rows, int64_t cols) {
    for (int64_t r = 0; r < rows; r++) {
        const float *yr = y + r * cols, *gr = gy + r * cols;
        float *xr = gx + r * cols;
        float s = (float)mv_sum_all(gr, cols);
        for (int64_t i = 0; i < cols; i++) xr[i] = gr[i] - expf(yr[i]) * s;
    }
}
