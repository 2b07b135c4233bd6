// Elementwise kernels: binary ops with broadcasting through element strides, unary math and
// activations with their derivatives, and the small copy/fill/accumulate loops everything uses.
// A kernel body: compiled once per instruction-set variant (see variant.h), VF_WIDTH lanes at a time.

// ---- binary ------------------------------------------------------------------------------------

static inline float apply_binary(int op, float a, float b) {
    switch (op) {
    case MV_ADD: return a + b;
    case MV_SUB: return a - b;
    case MV_MUL: return a * b;
    case MV_DIV: return a / b;
    case MV_POW: return powf(a, b);
    case MV_MAXIMUM: return (a > b || isnan(a)) ? a : b;
    case MV_MINIMUM: return (a < b || isnan(a)) ? a : b;
    case MV_EQ: return a == b ? 1.0f : 0.0f;
    case MV_NE: return a != b ? 1.0f : 0.0f;
    case MV_LT: return a < b ? 1.0f : 0.0f;
    case MV_LE: return a <= b ? 1.0f : 0.0f;
    case MV_GT: return a > b ? 1.0f : 0.0f;
    default: return a >= b ? 1.0f : 0.0f;
    }
}

// One row of a broadcast binary op: the switch sits outside the loops so each loop vectorises.
static void binary_row(int op, int64_t n, const float *a, int64_t sa, const float *b, int64_t sb, float *out) {
#define ROW_LOOP(EXPR)                                                                                  \
    if (sa == 1 && sb == 1) { for (int64_t i = 0; i < n; i++) { float x = a[i], y = b[i]; out[i] = (EXPR); } } \
    else if (sa == 1 && sb == 0) { float y = b[0]; for (int64_t i = 0; i < n; i++) { float x = a[i]; out[i] = (EXPR); } } \
    else if (sa == 0 && sb == 1) { float x = a[0]; for (int64_t i = 0; i < n; i++) { float y = b[i]; out[i] = (EXPR); } } \
    else { for (int64_t i = 0; i < n; i++) { float x = a[i * sa], y = b[i * sb]; out[i] = (EXPR); } }
    switch (op) {
    case MV_ADD: ROW_LOOP(x + y) break;
    case MV_SUB: ROW_LOOP(x - y) break;
    case MV_MUL: ROW_LOOP(x * y) break;
    case MV_DIV: ROW_LOOP(x / y) break;
    default: ROW_LOOP(apply_binary(op, x, y)) break;
    }
#undef ROW_LOOP
}

static void binary_contiguous(int op, const float *a, const float *b, float *out, int64_t n) {
    binary_row(op, n, a, 1, b, 1, out);
}

static void binary_scalar_rhs(int op, const float *a, float s, float *out, int64_t n) {
    binary_row(op, n, a, 1, &s, 0, out);
}

static void binary_scalar_lhs(int op, float s, const float *b, float *out, int64_t n) {
    binary_row(op, n, &s, 0, b, 1, out);
}

// Merges adjacent dimensions that are laid out contiguously for every operand, so that the
// innermost loop is as long as possible. Returns the new rank (>= 1).
static int coalesce(int ndim, int64_t *shape, int64_t *s0, int64_t *s1) {
    if (ndim == 0) { shape[0] = 1; s0[0] = 0; s1[0] = 0; return 1; }
    int k = 0;
    for (int d = 1; d < ndim; d++) {
        if (shape[d] == 1) continue;
        if (shape[k] == 1) { shape[k] = shape[d]; s0[k] = s0[d]; s1[k] = s1[d]; continue; }
        if (s0[k] == s0[d] * shape[d] && s1[k] == s1[d] * shape[d]) {
            shape[k] *= shape[d]; s0[k] = s0[d]; s1[k] = s1[d];
        } else {
            k++; shape[k] = shape[d]; s0[k] = s0[d]; s1[k] = s1[d];
        }
    }
    return k + 1;
}

// Calls row(...) for every innermost row of a contiguous output of the given shape.
#define FOR_EACH_ROW(ndim, shape, sa, sb, BODY)                                                         \
    do {                                                                                                \
        int64_t idx_[MV_MAX_DIMS] = {0};                                                                \
        int64_t inner_ = shape[ndim - 1], rows_ = 1;                                                    \
        for (int d_ = 0; d_ < ndim - 1; d_++) rows_ *= shape[d_];                                       \
        int64_t offa_ = 0, offb_ = 0;                                                                   \
        for (int64_t r_ = 0; r_ < rows_; r_++) {                                                        \
            int64_t offo_ = r_ * inner_;                                                                \
            BODY                                                                                        \
            (void)offb_; /* bodies of one strided operand (copy, scatter) leave it unread */            \
            for (int d_ = ndim - 2; d_ >= 0; d_--) {                                                    \
                idx_[d_]++; offa_ += sa[d_]; offb_ += sb[d_];                                           \
                if (idx_[d_] < shape[d_]) break;                                                        \
                offa_ -= sa[d_] * shape[d_]; offb_ -= sb[d_] * shape[d_]; idx_[d_] = 0;                 \
            }                                                                                           \
        }                                                                                               \
    } while (0)

static void binary_strided(int op, int ndim, const int64_t *shape_in,
                           const float *a, const int64_t *astrides_in,
                           const float *b, const int64_t *bstrides_in, float *out) {
    int64_t shape[MV_MAX_DIMS], sa[MV_MAX_DIMS], sb[MV_MAX_DIMS];
    for (int d = 0; d < ndim; d++) { shape[d] = shape_in[d]; sa[d] = astrides_in[d]; sb[d] = bstrides_in[d]; }
    for (int d = 0; d < ndim; d++) if (shape[d] == 0) return;
    int nd = coalesce(ndim, shape, sa, sb);
    FOR_EACH_ROW(nd, shape, sa, sb, {
        binary_row(op, inner_, a + offa_, sa[nd - 1], b + offb_, sb[nd - 1], out + offo_);
    });
}

// d(op)/d(input) * gy for one row, reading both operands through their strides.
static void binary_grad_row(int op, int which, int64_t n, const float *a, int64_t sa, const float *b, int64_t sb,
                            const float *gy, float *gx) {
    for (int64_t i = 0; i < n; i++) {
        float x = a[i * sa], y = b[i * sb], g = gy[i], d;
        switch (op) {
        case MV_ADD: d = 1.0f; break;
        case MV_SUB: d = which == 0 ? 1.0f : -1.0f; break;
        case MV_MUL: d = which == 0 ? y : x; break;
        case MV_DIV: d = which == 0 ? 1.0f / y : -x / (y * y); break;
        // d/dy x^y = x^y log x, as PyTorch: NaN for a negative base (log of a negative number: no real derivative),
        // 0 where x = 0 and y >= 0.
        case MV_POW: d = which == 0 ? (y == 0.0f ? 0.0f : y * powf(x, y - 1.0f)) : (x == 0.0f && y >= 0.0f ? 0.0f : powf(x, y) * logf(x)); break;
        // A tie splits the gradient in halves between the operands, as PyTorch's maximum and minimum.
        case MV_MAXIMUM: d = x == y ? 0.5f : ((which == 0 ? x > y : y > x) ? 1.0f : 0.0f); break;
        case MV_MINIMUM: d = x == y ? 0.5f : ((which == 0 ? x < y : y < x) ? 1.0f : 0.0f); break;
        default: d = 0.0f; break; // comparisons are piecewise constant
        }
        gx[i] = g * d;
    }
}

static void binary_backward(int op, int which_input, int ndim, const int64_t *shape_in,
                            const float *a, const int64_t *astrides_in,
                            const float *b, const int64_t *bstrides_in,
                            const float *gy, float *gx) {
    int64_t shape[MV_MAX_DIMS], sa[MV_MAX_DIMS], sb[MV_MAX_DIMS];
    for (int d = 0; d < ndim; d++) { shape[d] = shape_in[d]; sa[d] = astrides_in[d]; sb[d] = bstrides_in[d]; }
    for (int d = 0; d < ndim; d++) if (shape[d] == 0) return;
    int nd = coalesce(ndim, shape, sa, sb);
    FOR_EACH_ROW(nd, shape, sa, sb, {
        binary_grad_row(op, which_input, inner_, a + offa_, sa[nd - 1], b + offb_, sb[nd - 1], gy + offo_, gx + offo_);
    });
}

// ---- unary -------------------------------------------------------------------------------------

static const float kInvSqrt2 = 0.70710678118654752f;
static const float kInvSqrt2Pi = 0.39894228040143268f;
static const float kSqrt2OverPi = 0.79788456080286536f;
static const float kGeluTanhCubic = 0.044715f;

// The normal CDF Φ(x) and density φ(x) for exact GELU, from one exponential: erfc(z) ≈ poly(t)·exp(-z²) with
// t = 1/(1 + p·z), z = |x|/√2 (Abramowitz & Stegun 7.1.26, |error| < 1.5e-7, the approximation PyTorch's
// vectorised CPU erf uses too), and exp(-z²) = exp(-x²/2) is φ's exponential as well. Φ(x) = erfc(z)/2 for
// x < 0 keeps its relative accuracy in the left tail, where 1 + erf(x/√2) would cancel.
MV_INLINE void gelu_cdf_pdf(vfloat x, vfloat *cdf, vfloat *pdf) {
    const vfloat one = vf_set1(1.0f), half = vf_set1(0.5f);
    vfloat z = vf_mul(vf_abs(x), vf_set1(kInvSqrt2));
    vfloat t = vf_div(one, vf_fmadd(vf_set1(0.3275911f), z, one));
    vfloat poly = vf_fmadd(vf_set1(1.061405429f), t, vf_set1(-1.453152027f));
    poly = vf_fmadd(poly, t, vf_set1(1.421413741f));
    poly = vf_fmadd(poly, t, vf_set1(-0.284496736f));
    poly = vf_fmadd(poly, t, vf_set1(0.254829592f));
    poly = vf_mul(poly, t);
    vfloat e = vf_exp(vf_mul(vf_set1(-0.5f), vf_mul(x, x)));
    vfloat tail = vf_mul(half, vf_mul(poly, e)); // erfc(z) / 2 = Φ(-|x|)
    *cdf = vf_select(vf_lt(x, vf_zero()), tail, vf_sub(one, tail));
    *pdf = vf_mul(vf_set1(kInvSqrt2Pi), e);
}

MV_INLINE vfloat gelu_erf_lanes(vfloat x) {
    vfloat cdf, pdf;
    gelu_cdf_pdf(x, &cdf, &pdf);
    return vf_mul(x, cdf);
}

MV_INLINE vfloat gelu_tanh_inner(vfloat x) {
    vfloat x3 = vf_mul(vf_mul(x, x), x);
    return vf_mul(vf_set1(kSqrt2OverPi), vf_fmadd(vf_set1(kGeluTanhCubic), x3, x));
}

MV_INLINE vfloat sigmoid_lanes(vfloat x) {
    vfloat one = vf_set1(1.0f);
    vfloat e = vf_exp(vf_sub(vf_zero(), x));
    return vf_div(one, vf_add(one, e));
}

// 1 where x > 0, -1 where x < 0, else 0 (NaN included).
MV_INLINE vfloat sign_lanes(vfloat x) {
    vfloat zero = vf_zero(), one = vf_set1(1.0f);
    return vf_sub(vf_select(vf_gt(x, zero), one, zero), vf_select(vf_lt(x, zero), one, zero));
}

MV_INLINE vfloat unary_lanes(int op, vfloat x) {
    switch (op) {
    case MV_NEG: return vf_sub(vf_zero(), x);
    case MV_EXP: return vf_exp(x);
    case MV_LOG: return vf_log(x);
    case MV_SQRT: return vf_sqrt(x);
    case MV_ABS: return vf_abs(x);
    case MV_TANH: return vf_tanh(x);
    case MV_SIGMOID: return sigmoid_lanes(x);
    case MV_RELU: return vf_max(vf_zero(), x);  // vf_max returns its second operand on NaN: NaN stays NaN, as in PyTorch
    case MV_SILU: return vf_mul(x, sigmoid_lanes(x));
    case MV_GELU_ERF: return gelu_erf_lanes(x);
    case MV_GELU_TANH: {
        vfloat t = vf_tanh(gelu_tanh_inner(x));
        return vf_mul(vf_mul(vf_set1(0.5f), x), vf_add(vf_set1(1.0f), t));
    }
    case MV_SIN: return vf_sin(x);
    case MV_COS: return vf_cos(x);
    default: return sign_lanes(x);
    }
}

static void unary(int op, const float *x, float *y, int64_t n) {
    int64_t i = 0;
    for (; i + VF_WIDTH <= n; i += VF_WIDTH) vf_store(y + i, unary_lanes(op, vf_load(x + i)));
    if (i < n) vf_store_partial(y + i, unary_lanes(op, vf_load_partial(x + i, n - i, 1.0f)), n - i);
}

// Derivative f'(x) lane-wise; y = f(x) is available where that is cheaper.
MV_INLINE vfloat unary_derivative_lanes(int op, vfloat x, vfloat y) {
    vfloat one = vf_set1(1.0f), zero = vf_zero();
    switch (op) {
    case MV_NEG: return vf_set1(-1.0f);
    case MV_EXP: return y;
    case MV_LOG: return vf_div(one, x);
    case MV_SQRT: return vf_div(vf_set1(0.5f), y);
    case MV_ABS: return sign_lanes(x);
    case MV_TANH: return vf_fnmadd(y, y, one);
    case MV_SIGMOID: return vf_mul(y, vf_sub(one, y));
    case MV_RELU: return vf_select(vf_gt(x, zero), one, zero);
    case MV_SILU: {
        vfloat s = sigmoid_lanes(x);
        return vf_mul(s, vf_fmadd(x, vf_sub(one, s), one));
    }
    case MV_GELU_ERF: {
        vfloat cdf, pdf;
        gelu_cdf_pdf(x, &cdf, &pdf);
        return vf_fmadd(x, pdf, cdf);
    }
    case MV_GELU_TANH: {
        vfloat t = vf_tanh(gelu_tanh_inner(x));
        vfloat du = vf_mul(vf_set1(kSqrt2OverPi), vf_fmadd(vf_set1(3.0f * kGeluTanhCubic), vf_mul(x, x), one));
        vfloat left = vf_mul(vf_set1(0.5f), vf_add(one, t));
        vfloat right = vf_mul(vf_mul(vf_set1(0.5f), x), vf_mul(vf_fnmadd(t, t, one), du));
        return vf_add(left, right);
    }
    case MV_SIN: return vf_cos(x);
    case MV_COS: return vf_sub(zero, vf_sin(x));
    default: return zero; // sign
    }
}

static void unary_backward(int op, const float *x, const float *y, const float *gy, float *gx, int64_t n) {
    int64_t i = 0;
    for (; i + VF_WIDTH <= n; i += VF_WIDTH) {
        vfloat d = unary_derivative_lanes(op, vf_load(x + i), vf_load(y + i));
        vf_store(gx + i, vf_mul(vf_load(gy + i), d));
    }
    if (i < n) {
        int64_t r = n - i;
        vfloat d = unary_derivative_lanes(op, vf_load_partial(x + i, r, 1.0f), vf_load_partial(y + i, r, 1.0f));
        vf_store_partial(gx + i, vf_mul(vf_load_partial(gy + i, r, 0.0f), d), r);
    }
}

// GELU's value and derivative share Φ and φ: x·Φ(x) and Φ(x) + x·φ(x).
static void gelu_erf_with_derivative(const float *x, float *y, float *d, int64_t n) {
    int64_t i = 0;
    for (; i + VF_WIDTH <= n; i += VF_WIDTH) {
        vfloat v = vf_load(x + i), cdf, pdf;
        gelu_cdf_pdf(v, &cdf, &pdf);
        vf_store(y + i, vf_mul(v, cdf));
        vf_store(d + i, vf_fmadd(v, pdf, cdf));
    }
    if (i < n) {
        int64_t r = n - i;
        vfloat v = vf_load_partial(x + i, r, 0.0f), cdf, pdf;
        gelu_cdf_pdf(v, &cdf, &pdf);
        vf_store_partial(y + i, vf_mul(v, cdf), r);
        vf_store_partial(d + i, vf_fmadd(v, pdf, cdf), r);
    }
}

// GEGLU over rows of x [rows, 2d] = [a | g]: out = a · GELU(g) (exact GELU), one pass each way instead of a
// split, a GELU and a product. Backward recomputes Φ and φ from g (one exponential, as the forward GELU with
// derivative): ga = gy · GELU(g), gg = gy · a · GELU'(g). The same expressions as the separate ops, so the same bits.
MV_INLINE void geglu_lanes(vfloat a, vfloat g, vfloat gy, vfloat *out, vfloat *ga, vfloat *gg) {
    vfloat cdf, pdf;
    gelu_cdf_pdf(g, &cdf, &pdf);
    vfloat gelu = vf_mul(g, cdf);
    if (out) *out = vf_mul(a, gelu);
    if (ga) { *ga = vf_mul(gy, gelu); *gg = vf_mul(vf_mul(gy, a), vf_fmadd(g, pdf, cdf)); }
}

static void geglu(const float *x, float *out, int64_t rows, int64_t d) {
    for (int64_t r = 0; r < rows; r++) {
        const float *a = x + 2 * r * d, *g = a + d;
        float *o = out + r * d;
        int64_t i = 0;
        vfloat y;
        for (; i + VF_WIDTH <= d; i += VF_WIDTH) {
            geglu_lanes(vf_load(a + i), vf_load(g + i), vf_zero(), &y, NULL, NULL);
            vf_store(o + i, y);
        }
        if (i < d) {
            geglu_lanes(vf_load_partial(a + i, d - i, 0.0f), vf_load_partial(g + i, d - i, 0.0f), vf_zero(), &y, NULL, NULL);
            vf_store_partial(o + i, y, d - i);
        }
    }
}

static void geglu_backward(const float *x, const float *gy, float *gx, int64_t rows, int64_t d) {
    for (int64_t r = 0; r < rows; r++) {
        const float *a = x + 2 * r * d, *g = a + d, *go = gy + r * d;
        float *ga = gx + 2 * r * d, *gg = ga + d;
        int64_t i = 0;
        vfloat da, dg;
        for (; i + VF_WIDTH <= d; i += VF_WIDTH) {
            geglu_lanes(vf_load(a + i), vf_load(g + i), vf_load(go + i), NULL, &da, &dg);
            vf_store(ga + i, da);
            vf_store(gg + i, dg);
        }
        if (i < d) {
            int64_t n = d - i;
            geglu_lanes(vf_load_partial(a + i, n, 0.0f), vf_load_partial(g + i, n, 0.0f), vf_load_partial(go + i, n, 0.0f), NULL, &da, &dg);
            vf_store_partial(ga + i, da, n);
            vf_store_partial(gg + i, dg, n);
        }
    }
}

static void unary_with_derivative(int op, const float *x, float *y, float *d, int64_t n) {
    if (op == MV_GELU_ERF) {
        gelu_erf_with_derivative(x, y, d, n);
        return;
    }
    int64_t i = 0;
    for (; i + VF_WIDTH <= n; i += VF_WIDTH) {
        vfloat v = vf_load(x + i), fy = unary_lanes(op, v);
        vf_store(y + i, fy);
        vf_store(d + i, unary_derivative_lanes(op, v, fy));
    }
    if (i < n) {
        int64_t r = n - i;
        vfloat v = vf_load_partial(x + i, r, 1.0f), fy = unary_lanes(op, v);
        vf_store_partial(y + i, fy, r);
        vf_store_partial(d + i, unary_derivative_lanes(op, v, fy), r);
    }
}


static void pow_scalar(const float *x, float p, float *y, int64_t n) {
    if (p == 2.0f) { for (int64_t i = 0; i < n; i++) y[i] = x[i] * x[i]; return; }
    if (p == 1.0f) { for (int64_t i = 0; i < n; i++) y[i] = x[i]; return; }
    if (p == 0.5f) { for (int64_t i = 0; i < n; i++) y[i] = sqrtf(x[i]); return; }
    for (int64_t i = 0; i < n; i++) y[i] = powf(x[i], p);
}

static void pow_scalar_backward(const float *x, float p, const float *gy, float *gx, int64_t n) {
    if (p == 2.0f) { for (int64_t i = 0; i < n; i++) gx[i] = gy[i] * 2.0f * x[i]; return; }
    if (p == 0.0f) { for (int64_t i = 0; i < n; i++) gx[i] = 0.0f; return; }
    for (int64_t i = 0; i < n; i++) gx[i] = gy[i] * p * powf(x[i], p - 1.0f);
}

static void clamp(const float *x, float lo, float hi, float *y, int64_t n) {
    for (int64_t i = 0; i < n; i++) { float v = x[i]; v = v < lo ? lo : v; y[i] = v > hi ? hi : v; }
}

// PyTorch passes the gradient where lo <= x <= hi (boundaries included).
static void clamp_backward(const float *x, float lo, float hi, const float *gy, float *gx, int64_t n) {
    for (int64_t i = 0; i < n; i++) gx[i] = (x[i] >= lo && x[i] <= hi) ? gy[i] : 0.0f;
}

static void where(const float *cond, const float *a, const float *b, float *out, int64_t n) {
    for (int64_t i = 0; i < n; i++) out[i] = cond[i] != 0.0f ? a[i] : b[i];
}

// ---- fill / copy / accumulate ------------------------------------------------------------------

static void fill(float *x, float v, int64_t n) { for (int64_t i = 0; i < n; i++) x[i] = v; }
static void copy(const float *src, float *dst, int64_t n) { memmove(dst, src, (size_t)n * sizeof(float)); }
static void add_inplace(float *dst, const float *src, int64_t n) { for (int64_t i = 0; i < n; i++) dst[i] += src[i]; }
static void axpy(float alpha, const float *x, float *y, int64_t n) { for (int64_t i = 0; i < n; i++) y[i] += alpha * x[i]; }
static void scale_inplace(float *x, float s, int64_t n) { for (int64_t i = 0; i < n; i++) x[i] *= s; }

static void copy_strided(int ndim, const int64_t *shape_in, const float *src, const int64_t *strides_in, float *dst) {
    int64_t shape[MV_MAX_DIMS], ss[MV_MAX_DIMS];
    for (int d = 0; d < ndim; d++) { shape[d] = shape_in[d]; ss[d] = strides_in[d]; }
    for (int d = 0; d < ndim; d++) if (shape[d] == 0) return;
    // The destination is contiguous, so only the source strides decide what can be merged.
    int64_t ds[MV_MAX_DIMS];
    int64_t acc = 1;
    for (int d = ndim - 1; d >= 0; d--) { ds[d] = acc; acc *= shape[d]; }
    int nd = coalesce(ndim, shape, ss, ds);
    FOR_EACH_ROW(nd, shape, ss, ds, {
        const float *s_ = src + offa_;
        float *o_ = dst + offo_;
        int64_t st_ = ss[nd - 1];
        if (st_ == 1) memcpy(o_, s_, (size_t)inner_ * sizeof(float));
        else for (int64_t i = 0; i < inner_; i++) o_[i] = s_[i * st_];
    });
}

static void scatter_strided(int ndim, const int64_t *shape_in, const float *src, float *dst, const int64_t *strides_in, int accumulate) {
    int64_t shape[MV_MAX_DIMS], ds[MV_MAX_DIMS], cs[MV_MAX_DIMS];
    for (int d = 0; d < ndim; d++) { shape[d] = shape_in[d]; ds[d] = strides_in[d]; }
    for (int d = 0; d < ndim; d++) if (shape[d] == 0) return;
    int64_t acc = 1;
    for (int d = ndim - 1; d >= 0; d--) { cs[d] = acc; acc *= shape[d]; }
    int nd = coalesce(ndim, shape, ds, cs);
    FOR_EACH_ROW(nd, shape, ds, cs, {
        float *d_ = dst + offa_;
        const float *s_ = src + offo_;
        int64_t st_ = ds[nd - 1];
        if (accumulate) { for (int64_t i = 0; i < inner_; i++) d_[i * st_] += s_[i]; }
        else { for (int64_t i = 0; i < inner_; i++) d_[i * st_] = s_[i]; }
    });
}
