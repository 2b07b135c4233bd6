// 8-wide transcendental functions from glibc's libmvec (glibc >= 2.35, always present on Debian 12):
// the same accuracy class as the scalar libm (a few ulp) at vector speed. Scalar libm calls in the
// activations would otherwise cost more than the matrix products around them.
#ifndef MINDVIS_VECMATH_H
#define MINDVIS_VECMATH_H

#include <immintrin.h>
#include <stdint.h>
#include <string.h>

__m256 _ZGVdN8v_expf(__m256 x);
__m256 _ZGVdN8v_logf(__m256 x);
__m256 _ZGVdN8v_tanhf(__m256 x);
__m256 _ZGVdN8v_sinf(__m256 x);
__m256 _ZGVdN8v_cosf(__m256 x);

#define mv_exp8 _ZGVdN8v_expf
#define mv_log8 _ZGVdN8v_logf
#define mv_tanh8 _ZGVdN8v_tanhf
#define mv_sin8 _ZGVdN8v_sinf
#define mv_cos8 _ZGVdN8v_cosf

// Loads up to 8 floats, padding the rest with `pad`, so tails reuse the vector code path.
static inline __m256 mv_load_partial(const float *p, int64_t count, float pad) {
    float tmp[8] = {pad, pad, pad, pad, pad, pad, pad, pad};
    memcpy(tmp, p, (size_t)count * sizeof(float));
    return _mm256_loadu_ps(tmp);
}

static inline void mv_store_partial(float *p, __m256 v, int64_t count) {
    float tmp[8];
    _mm256_storeu_ps(tmp, v);
    memcpy(p, tmp, (size_t)count * sizeof(float));
}

static inline float mv_hsum8(__m256 v) {
    __m128 lo = _mm256_castps256_ps128(v), hi = _mm256_extractf128_ps(v, 1);
    lo = _mm_add_ps(lo, hi);
    lo = _mm_hadd_ps(lo, lo);
    lo = _mm_hadd_ps(lo, lo);
    return _mm_cvtss_f32(lo);
}

static inline float mv_hmax8(__m256 v) {
    __m128 lo = _mm256_castps256_ps128(v), hi = _mm256_extractf128_ps(v, 1);
    lo = _mm_max_ps(lo, hi);
    lo = _mm_max_ps(lo, _mm_movehl_ps(lo, lo));
    lo = _mm_max_ss(lo, _mm_shuffle_ps(lo, lo, 1));
    return _mm_cvtss_f32(lo);
}

#endif
