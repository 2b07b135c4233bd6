// The vector vocabulary of the kernel bodies (body/*.h) for AVX-512 (F, BW, DQ, VL: Skylake-X, Ice Lake,
// Sapphire Rapids, Zen 4 and later): 16 float lanes, mask registers for tails, and glibc's libmvec for
// the transcendental functions. Included only by kernels_avx512.c, inside its target(...) region.
#include <immintrin.h>
#include <stdint.h>

typedef __m512 vfloat;
typedef __mmask16 vmask;
typedef struct { __m512d lo, hi; } vdsum;
#define VF_WIDTH 16

__m512 _ZGVeN16v_expf(__m512 x);
__m512 _ZGVeN16v_logf(__m512 x);
__m512 _ZGVeN16v_tanhf(__m512 x);
__m512 _ZGVeN16v_sinf(__m512 x);
__m512 _ZGVeN16v_cosf(__m512 x);

MV_INLINE vfloat vf_load(const float *p) { return _mm512_loadu_ps(p); }
MV_INLINE void vf_store(float *p, vfloat v) { _mm512_storeu_ps(p, v); }

// Tails are masked loads and stores: the lanes past `count` are never touched in memory.
MV_INLINE __mmask16 first_lanes(int64_t count) { return (__mmask16)((1u << count) - 1u); }
MV_INLINE vfloat vf_load_partial(const float *p, int64_t count, float pad) {
    return _mm512_mask_loadu_ps(_mm512_set1_ps(pad), first_lanes(count), p);
}
MV_INLINE void vf_store_partial(float *p, vfloat v, int64_t count) { _mm512_mask_storeu_ps(p, first_lanes(count), v); }

MV_INLINE vfloat vf_set1(float x) { return _mm512_set1_ps(x); }
MV_INLINE vfloat vf_zero(void) { return _mm512_setzero_ps(); }
MV_INLINE vfloat vf_add(vfloat a, vfloat b) { return _mm512_add_ps(a, b); }
MV_INLINE vfloat vf_sub(vfloat a, vfloat b) { return _mm512_sub_ps(a, b); }
MV_INLINE vfloat vf_mul(vfloat a, vfloat b) { return _mm512_mul_ps(a, b); }
MV_INLINE vfloat vf_div(vfloat a, vfloat b) { return _mm512_div_ps(a, b); }
MV_INLINE vfloat vf_fmadd(vfloat a, vfloat b, vfloat c) { return _mm512_fmadd_ps(a, b, c); }
MV_INLINE vfloat vf_fnmadd(vfloat a, vfloat b, vfloat c) { return _mm512_fnmadd_ps(a, b, c); }
MV_INLINE vfloat vf_max(vfloat a, vfloat b) { return _mm512_max_ps(a, b); }
MV_INLINE vfloat vf_sqrt(vfloat x) { return _mm512_sqrt_ps(x); }
MV_INLINE vfloat vf_abs(vfloat x) { return _mm512_abs_ps(x); }

MV_INLINE vfloat vf_exp(vfloat x) { return _ZGVeN16v_expf(x); }
MV_INLINE vfloat vf_log(vfloat x) { return _ZGVeN16v_logf(x); }
MV_INLINE vfloat vf_tanh(vfloat x) { return _ZGVeN16v_tanhf(x); }
MV_INLINE vfloat vf_sin(vfloat x) { return _ZGVeN16v_sinf(x); }
MV_INLINE vfloat vf_cos(vfloat x) { return _ZGVeN16v_cosf(x); }

MV_INLINE vmask vf_lt(vfloat a, vfloat b) { return _mm512_cmp_ps_mask(a, b, _CMP_LT_OQ); }
MV_INLINE vmask vf_gt(vfloat a, vfloat b) { return _mm512_cmp_ps_mask(a, b, _CMP_GT_OQ); }
MV_INLINE vfloat vf_select(vmask m, vfloat if_true, vfloat if_false) { return _mm512_mask_blend_ps(m, if_false, if_true); }

// The even- and odd-indexed floats of p[0 .. 2·VF_WIDTH), each in order (Winograd's tiles read column pairs).
MV_INLINE void vf_deinterleave(const float *p, vfloat *even, vfloat *odd) {
    __m512 a = _mm512_loadu_ps(p), b = _mm512_loadu_ps(p + 16);
    __m512i evens = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    *even = _mm512_permutex2var_ps(a, evens, b);
    *odd = _mm512_permutex2var_ps(a, _mm512_add_epi32(evens, _mm512_set1_epi32(1)), b);
}

MV_INLINE float vf_hsum(vfloat v) { return _mm512_reduce_add_ps(v); }
MV_INLINE float vf_hmax(vfloat v) { return _mm512_reduce_max_ps(v); }

// Sixteen double lanes (two registers) of a sum of floats.
MV_INLINE vdsum vdsum_zero(void) { return (vdsum){_mm512_setzero_pd(), _mm512_setzero_pd()}; }
MV_INLINE vdsum vdsum_add(vdsum acc, vfloat v) {
    acc.lo = _mm512_add_pd(acc.lo, _mm512_cvtps_pd(_mm512_castps512_ps256(v)));
    acc.hi = _mm512_add_pd(acc.hi, _mm512_cvtps_pd(_mm512_extractf32x8_ps(v, 1)));
    return acc;
}
MV_INLINE vdsum vdsum_add_products(vdsum acc, vfloat a, vfloat b) {
    acc.lo = _mm512_fmadd_pd(_mm512_cvtps_pd(_mm512_castps512_ps256(a)), _mm512_cvtps_pd(_mm512_castps512_ps256(b)), acc.lo);
    acc.hi = _mm512_fmadd_pd(_mm512_cvtps_pd(_mm512_extractf32x8_ps(a, 1)), _mm512_cvtps_pd(_mm512_extractf32x8_ps(b, 1)), acc.hi);
    return acc;
}
MV_INLINE vdsum vdsum_add_squared_deviations(vdsum acc, vfloat v, double m) {
    __m512d mean = _mm512_set1_pd(m);
    __m512d lo = _mm512_sub_pd(_mm512_cvtps_pd(_mm512_castps512_ps256(v)), mean);
    __m512d hi = _mm512_sub_pd(_mm512_cvtps_pd(_mm512_extractf32x8_ps(v, 1)), mean);
    acc.lo = _mm512_fmadd_pd(lo, lo, acc.lo);
    acc.hi = _mm512_fmadd_pd(hi, hi, acc.hi);
    return acc;
}
MV_INLINE double vdsum_total(vdsum acc) { return _mm512_reduce_add_pd(_mm512_add_pd(acc.lo, acc.hi)); }
