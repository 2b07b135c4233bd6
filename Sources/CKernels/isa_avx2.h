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

// All-ones in lanes [0, count), count in 0...8: a masked load reads only those lanes' memory, so it cannot
// fault past the end of a buffer. (Partial loads and stores through a stack buffer, as before, called memcpy and
// stalled on store forwarding: filling the column tiles of 4×4 and 8×8 maps, all short runs, ran 2-3× slower.)
MV_INLINE __m256i vf_first_lanes(int64_t count) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)count), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

// Loads up to 8 floats, padding the rest with `pad`, so tails reuse the vector code path.
MV_INLINE vfloat vf_load_partial(const float *p, int64_t count, float pad) {
    __m256i lanes = vf_first_lanes(count);
    return _mm256_blendv_ps(_mm256_set1_ps(pad), _mm256_maskload_ps(p, lanes), _mm256_castsi256_ps(lanes));
}

// The first `count` lanes (0...8) stored by halves, quarters and single floats: a masked store is microcoded on
// Zen 2 and cost more than the short copies of small maps' tiles it ended.
MV_INLINE void vf_store_partial(float *p, vfloat v, int64_t count) {
    if (count >= 8) {
        _mm256_storeu_ps(p, v);
        return;
    }
    __m128 part = _mm256_castps256_ps128(v);
    if (count & 4) {
        _mm_storeu_ps(p, part);
        p += 4;
        part = _mm256_extractf128_ps(v, 1);
    }
    if (count & 2) {
        _mm_storel_pi((__m64 *)p, part);
        p += 2;
        part = _mm_movehl_ps(part, part);
    }
    if (count & 1) _mm_store_ss(p, part);
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
