// The vector vocabulary of the kernel bodies (body/*.h) for the portable variant: one lane of plain C
// and libm, so it compiles for every target. The compiler still auto-vectorises the bodies' plain loops
// for the target's baseline (SSE2 on x86-64, NEON on arm64). Included only by kernels_scalar.c.
#include <math.h>
#include <stdint.h>

typedef float vfloat;
typedef int vmask;
typedef double vdsum; // lanes of a double-precision sum
#define VF_WIDTH 1

MV_INLINE vfloat vf_load(const float *p) { return *p; }
MV_INLINE void vf_store(float *p, vfloat v) { *p = v; }
// With one lane a tail is never partial; these exist because the bodies are written for any width.
MV_INLINE vfloat vf_load_partial(const float *p, int64_t count, float pad) { return count > 0 ? *p : pad; }
MV_INLINE void vf_store_partial(float *p, vfloat v, int64_t count) { if (count > 0) *p = v; }

MV_INLINE vfloat vf_set1(float x) { return x; }
MV_INLINE vfloat vf_zero(void) { return 0.0f; }
MV_INLINE vfloat vf_add(vfloat a, vfloat b) { return a + b; }
MV_INLINE vfloat vf_sub(vfloat a, vfloat b) { return a - b; }
MV_INLINE vfloat vf_mul(vfloat a, vfloat b) { return a * b; }
MV_INLINE vfloat vf_div(vfloat a, vfloat b) { return a / b; }
// a*b + c and c - a*b, fused where the target has FMA (clang contracts within an expression).
MV_INLINE vfloat vf_fmadd(vfloat a, vfloat b, vfloat c) { return a * b + c; }
MV_INLINE vfloat vf_fnmadd(vfloat a, vfloat b, vfloat c) { return c - a * b; }
// x86's maxps semantics: the second operand when either is NaN.
MV_INLINE vfloat vf_max(vfloat a, vfloat b) { return a > b ? a : b; }
MV_INLINE vfloat vf_sqrt(vfloat x) { return sqrtf(x); }
MV_INLINE vfloat vf_abs(vfloat x) { return fabsf(x); }

MV_INLINE vfloat vf_exp(vfloat x) { return expf(x); }
MV_INLINE vfloat vf_log(vfloat x) { return logf(x); }
MV_INLINE vfloat vf_tanh(vfloat x) { return tanhf(x); }
MV_INLINE vfloat vf_sin(vfloat x) { return sinf(x); }
MV_INLINE vfloat vf_cos(vfloat x) { return cosf(x); }

// Ordered comparisons (false for NaN) and a lane-wise choice.
MV_INLINE vmask vf_lt(vfloat a, vfloat b) { return a < b; }
MV_INLINE vmask vf_gt(vfloat a, vfloat b) { return a > b; }
MV_INLINE vfloat vf_select(vmask m, vfloat if_true, vfloat if_false) { return m ? if_true : if_false; }

// The even- and odd-indexed floats of p[0 .. 2·VF_WIDTH), each in order (Winograd's tiles read column pairs).
MV_INLINE void vf_deinterleave(const float *p, vfloat *even, vfloat *odd) { *even = p[0]; *odd = p[1]; }

MV_INLINE float vf_hsum(vfloat v) { return v; }
MV_INLINE float vf_hmax(vfloat v) { return v; }

MV_INLINE vdsum vdsum_zero(void) { return 0.0; }
MV_INLINE vdsum vdsum_add(vdsum acc, vfloat v) { return acc + (double)v; }
MV_INLINE vdsum vdsum_add_products(vdsum acc, vfloat a, vfloat b) { return (double)a * (double)b + acc; }
MV_INLINE vdsum vdsum_add_squared_deviations(vdsum acc, vfloat v, double m) { double d = (double)v - m; return d * d + acc; }
MV_INLINE double vdsum_total(vdsum acc) { return acc; }
