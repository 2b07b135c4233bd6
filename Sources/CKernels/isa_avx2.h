// The vector vocabulary of the kernel bodies (body/*.h) for AVX2 + FMA: 8 float lanes, and glibc's
// libmvec for the transcendental functions (the same accuracy class as scalar libm, a few ulp, at
// vector speed). Included only by kernels_avx2.c, inside its target("avx2,fma") region, so every
// function here is compiled for AVX2 without any command-line flag.
#include <immintrin.h>
#include <stdint.h>
#include <string.h>

typedef __m256 vfloat;
typedef __m256 vmask; // all-ones lanes where true
typedef struct { __m256d lo, hi; } vdsum;
#define VF_WIDTH 8

__m256 _ZGVdN8v_expf(__m256 x);
__m256 _ZGVdN8v_logf(__m256 x);
__m256 _ZGVdN8v_tanhf(__m256 x);
__m256 _ZGVdN8v_sinf(__m256 x);
__m256 _ZGVdN8v_cosf(__m256 x);

MV_INLINE vfloat vf_load(const float *p) { return _mm256_loadu_ps(p); }
MV_INLINE void vf_store(float *p, vfloat v) { _mm256_storeu_ps(p, v); }

// Loads up to 8 floats, padding the rest with `pad`, so tails reuse the vector code path.
MV_INLINE vfloat vf_load_partial(const float *p, int64_t count, float pad) {
    float tmp[8] = {pad, pad, pad, pad, pad, pad, pad, pad};
    memcpy(tmp, p, (size_t)count * sizeof(float));
    return _mm256_loadu_ps(tmp);
}

MV_INLINE void vf_store_partial(float *p, vfloat v, int64_t count) {
    float tmp[8];
    _mm256_storeu_ps(tmp, v);
    memcpy(p, tmp, (size_t)count * sizeof(float));
}

MV_INLINE vfloat vf_set1(float x) { return _mm256_set1_ps(x); }
MV_INLINE vfloat vf_zero(void) { return _mm256_setzero_ps(); }
MV_INLINE vfloat vf_add(vfloat a, vfloat b) { return _mm256_add_ps(a, b); }
MV_INLINE vfloat vf_sub(vfloat a, vfloat b) { return _mm256_sub_ps(a, b); }
MV_INLINE vfloat vf_mul(vfloat a, vfloat b) { return _mm256_mul_ps(a, b); }
MV_INLINE vfloat vf_div(vfloat a, vfloat b) { return _mm256_div_ps(a, b); }
MV_INLINE vfloat vf_fmadd(vfloat a, vfloat b, vfloat c) { return _mm256_fmadd_ps(a, b, c); }
MV_INLINE vfloat vf_fnmadd(vfloat a, vfloat b, vfloat c) { return _mm256_fnmadd_ps(a, b, c); }
MV_INLINE vfloat vf_max(vfloat a, vfloat b) { return _mm256_max_ps(a, b); }
MV_INLINE vfloat vf_sqrt(vfloat x) { return _mm256_sqrt_ps(x); }
MV_INLINE vfloat vf_abs(vfloat x) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), x); }

MV_INLINE vfloat vf_exp(vfloat x) { return _ZGVdN8v_expf(x); }
MV_INLINE vfloat vf_log(vfloat x) { return _ZGVdN8v_logf(x); }
MV_INLINE vfloat vf_tanh(vfloat x) { return _ZGVdN8v_tanhf(x); }
MV_INLINE vfloat vf_sin(vfloat x) { return _ZGVdN8v_sinf(x); }
MV_INLINE vfloat vf_cos(vfloat x) { return _ZGVdN8v_cosf(x); }

MV_INLINE vmask vf_lt(vfloat a, vfloat b) { return _mm256_cmp_ps(a, b, _CMP_LT_OQ); }
MV_INLINE vmask vf_gt(vfloat a, vfloat b) { return _mm256_cmp_ps(a, b, _CMP_GT_OQ); }
MV_INLINE vfloat vf_select(vmask m, vfloat if_true, vfloat if_false) { return _mm256_blendv_ps(if_false, if_true, m); }

// The even- and odd-indexed floats of p[0 .. 2·VF_WIDTH), each in order (Winograd's tiles read column pairs).
MV_INLINE void vf_deinterleave(const float *p, vfloat *even, vfloat *odd) {
    __m256 a = _mm256_loadu_ps(p), b = _mm256_loadu_ps(p + 8);
    // Within each 128-bit half: (a0 a2 b0 b2 | a4 a6 b4 b6); then the middle 64-bit lanes swap places.
    *even = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(a, b, 0x88)), 0xD8));
    *odd = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(a, b, 0xDD)), 0xD8));
}

MV_INLINE float vf_hsum(vfloat v) {
    __m128 lo = _mm256_castps256_ps128(v), hi = _mm256_extractf128_ps(v, 1);
    lo = _mm_add_ps(lo, hi);
    lo = _mm_hadd_ps(lo, lo);
    lo = _mm_hadd_ps(lo, lo);
    return _mm_cvtss_f32(lo);
}

MV_INLINE float vf_hmax(vfloat v) {
    __m128 lo = _mm256_castps256_ps128(v), hi = _mm256_extractf128_ps(v, 1);
    lo = _mm_max_ps(lo, hi);
    lo = _mm_max_ps(lo, _mm_movehl_ps(lo, lo));
    lo = _mm_max_ss(lo, _mm_shuffle_ps(lo, lo, 1));
    return _mm_cvtss_f32(lo);
}

// Eight double lanes (two registers) of a sum of floats: vector speed with double-precision summation.
MV_INLINE vdsum vdsum_zero(void) { return (vdsum){_mm256_setzero_pd(), _mm256_setzero_pd()}; }
MV_INLINE vdsum vdsum_add(vdsum acc, vfloat v) {
    acc.lo = _mm256_add_pd(acc.lo, _mm256_cvtps_pd(_mm256_castps256_ps128(v)));
    acc.hi = _mm256_add_pd(acc.hi, _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)));
    return acc;
}
MV_INLINE vdsum vdsum_add_products(vdsum acc, vfloat a, vfloat b) {
    acc.lo = _mm256_fmadd_pd(_mm256_cvtps_pd(_mm256_castps256_ps128(a)), _mm256_cvtps_pd(_mm256_castps256_ps128(b)), acc.lo);
    acc.hi = _mm256_fmadd_pd(_mm256_cvtps_pd(_mm256_extractf128_ps(a, 1)), _mm256_cvtps_pd(_mm256_extractf128_ps(b, 1)), acc.hi);
    return acc;
}
MV_INLINE vdsum vdsum_add_squared_deviations(vdsum acc, vfloat v, double m) {
    __m256d mean = _mm256_set1_pd(m);
    __m256d lo = _mm256_sub_pd(_mm256_cvtps_pd(_mm256_castps256_ps128(v)), mean);
    __m256d hi = _mm256_sub_pd(_mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)), mean);
    acc.lo = _mm256_fmadd_pd(lo, lo, acc.lo);
    acc.hi = _mm256_fmadd_pd(hi, hi, acc.hi);
    return acc;
}
MV_INLINE double vdsum_total(vdsum acc) {
    double lanes[4];
    _mm256_storeu_pd(lanes, _mm256_add_pd(acc.lo, acc.hi));
    return lanes[0] + lanes[1] + lanes[2] + lanes[3];
}
