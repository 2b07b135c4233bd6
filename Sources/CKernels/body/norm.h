// Layer norm and group norm, each one fused forward pass that caches mean and 1/std for the
// backward pass (llm.c's layernorm does the same). Statistics accumulate in double.
// A kernel body: compiled once per instruction-set variant (see variant.h).

// Mean and reciprocal standard deviation (population variance, as torch's norms use) of n values.
static void moments(const float *x, int64_t n, float eps, float *mean_out, float *rstd_out) {
    double m = sum_all(x, n) / (double)n;
    // Lanes of double sums: a single running sum would wait on each addition's latency.
    vdsum lanes = vdsum_zero();
    int64_t i = 0;
    for (; i + VF_WIDTH <= n; i += VF_WIDTH) lanes = vdsum_add_squared_deviations(lanes, vf_load(x + i), m);
    double ss = vdsum_total(lanes);
    for (; i < n; i++) { double d = x[i] - m; ss += d * d; }
    *mean_out = (float)m;
    *rstd_out = (float)(1.0 / sqrt(ss / (double)n + (double)eps));
}

static void layernorm_forward(const float *x, const float *w, const float *b, float *y,
                              float *mean, float *rstd, int64_t rows, int64_t cols, float eps) {
    for (int64_t r = 0; r < rows; r++) {
        const float *xr = x + r * cols;
        float *yr = y + r * cols;
        float m, s;
        moments(xr, cols, eps, &m, &s);
        mean[r] = m; rstd[r] = s;
        if (w && b) for (int64_t i = 0; i < cols; i++) yr[i] = (xr[i] - m) * s * w[i] + b[i];
        else if (w) for (int64_t i = 0; i < cols; i++) yr[i] = (xr[i] - m) * s * w[i];
        else for (int64_t i = 0; i < cols; i++) yr[i] = (xr[i] - m) * s;
    }
}

static void layernorm_backward(const float *x, const float *gy, const float *w, const float *mean, const float *rstd,
                               float *gx, float *gw, float *gb, int64_t rows, int64_t cols) {
    for (int64_t r = 0; r < rows; r++) {
        const float *xr = x + r * cols, *gr = gy + r * cols;
        float m = mean[r], s = rstd[r];
        // The double sums in vector lanes (as the group norm's): one running sum would wait on each addition.
        vdsum lanes_d = vdsum_zero(), lanes_dx = vdsum_zero();
        vfloat vm = vf_set1(m), vs = vf_set1(s);
        int64_t i = 0;
        for (; i + VF_WIDTH <= cols; i += VF_WIDTH) {
            vfloat g = vf_load(gr + i), xhat = vf_mul(vf_sub(vf_load(xr + i), vm), vs);
            vfloat d = w ? vf_mul(g, vf_load(w + i)) : g;
            lanes_d = vdsum_add(lanes_d, d);
            lanes_dx = vdsum_add_products(lanes_dx, d, xhat);
            if (gw) vf_store(gw + i, vf_add(vf_load(gw + i), vf_mul(g, xhat)));
            if (gb) vf_store(gb + i, vf_add(vf_load(gb + i), g));
        }
        double sum_d = vdsum_total(lanes_d), sum_dx = vdsum_total(lanes_dx);
        for (; i < cols; i++) {
            float xhat = (xr[i] - m) * s;
            float d = w ? gr[i] * w[i] : gr[i];
            sum_d += d;
            sum_dx += (double)d * xhat;
            if (gw) gw[i] += gr[i] * xhat;
            if (gb) gb[i] += gr[i];
        }
        if (gx) {
            float mean_d = (float)(sum_d / (double)cols), mean_dx = (float)(sum_dx / (double)cols);
            float *out = gx + r * cols;
            for (int64_t i = 0; i < cols; i++) {
                float xhat = (xr[i] - m) * s;
                float d = w ? gr[i] * w[i] : gr[i];
                out[i] = s * (d - mean_d - xhat * mean_dx);
            }
        }
    }
}

// SiLU after group norm (the ResnetBlocks' norm → swish) is fused into both passes: y = silu(norm(x)) is written
// without storing norm(x), and backward recomputes norm(x) from x, mean and rstd to take the SiLU's derivative.
// The values are the bits of a separate group norm and SiLU (the same expressions on the same floats).
MV_INLINE void silu_in_place(float *y, int64_t n) {
    int64_t i = 0;
    for (; i + VF_WIDTH <= n; i += VF_WIDTH) { vfloat v = vf_load(y + i); vf_store(y + i, vf_mul(v, sigmoid_lanes(v))); }
    if (i < n) { vfloat v = vf_load_partial(y + i, n - i, 0.0f); vf_store_partial(y + i, vf_mul(v, sigmoid_lanes(v)), n - i); }
}

// d = g * silu'(y) for y = x*scale + shift, the normalised value as the forward pass computed it.
MV_INLINE vfloat silu_gradient_lanes(vfloat x, vfloat g, vfloat scale, vfloat shift) {
    vfloat y = vf_fmadd(x, scale, shift), one = vf_set1(1.0f), s = sigmoid_lanes(y);
    return vf_mul(g, vf_mul(s, vf_fmadd(y, vf_sub(one, s), one)));
}

static void silu_gradient(const float *x, const float *g, float scale, float shift, float *d, int64_t n) {
    vfloat vs = vf_set1(scale), vh = vf_set1(shift);
    int64_t i = 0;
    for (; i + VF_WIDTH <= n; i += VF_WIDTH) vf_store(d + i, silu_gradient_lanes(vf_load(x + i), vf_load(g + i), vs, vh));
    if (i < n) {
        vfloat v = silu_gradient_lanes(vf_load_partial(x + i, n - i, 0.0f), vf_load_partial(g + i, n - i, 0.0f), vs, vh);
        vf_store_partial(d + i, v, n - i);
    }
}

// x is [n, c, hw]; each group is c/groups consecutive channels, i.e. one contiguous block. Both passes
// handle the groups [g0, g1) of every sample, so workers that take disjoint ranges of groups write disjoint
// outputs, the weight and bias gradients included (each channel belongs to one group).
static void groupnorm_forward(const float *x, const float *w, const float *b, float *y, float *mean, float *rstd,
                              int64_t n, int64_t c, int64_t hw, int64_t groups, int64_t g0, int64_t g1, float eps, int silu) {
    int64_t cg = c / groups, block = cg * hw;
    for (int64_t s = 0; s < n; s++) {
        for (int64_t g = g0; g < g1; g++) {
            const float *xb = x + (s * c + g * cg) * hw;
            float *yb = y + (s * c + g * cg) * hw;
            float m, r;
            moments(xb, block, eps, &m, &r);
            mean[s * groups + g] = m; rstd[s * groups + g] = r;
            for (int64_t k = 0; k < cg; k++) {
                int64_t ch = g * cg + k;
                float scale = w ? w[ch] * r : r;
                float shift = (b ? b[ch] : 0.0f) - m * scale;
                const float *xc = xb + k * hw;
                float *yc = yb + k * hw;
                for (int64_t i = 0; i < hw; i++) yc[i] = xc[i] * scale + shift;
                if (silu) silu_in_place(yc, hw);
            }
        }
    }
}

// With silu, gy is the gradient of silu(norm(x)): it is first turned into the gradient of norm(x) in gx (which
// must then be given), and the group norm's backward reads that.
static void groupnorm_backward(const float *x, const float *gy, const float *w, const float *b, const float *mean,
                               const float *rstd, float *gx, float *gw, float *gb, int64_t n, int64_t c, int64_t hw,
                               int64_t groups, int64_t g0, int64_t g1, int silu) {
    int64_t cg = c / groups;
    double count = (double)(cg * hw);
    for (int64_t s = 0; s < n; s++) {
        for (int64_t g = g0; g < g1; g++) {
            float m = mean[s * groups + g], r = rstd[s * groups + g];
            double sum_d = 0.0, sum_dx = 0.0;
            const float *grad = silu ? gx : gy;
            for (int64_t k = 0; silu && k < cg; k++) {
                int64_t ch = g * cg + k;
                float scale = w ? w[ch] * r : r;
                float shift = (b ? b[ch] : 0.0f) - m * scale;
                silu_gradient(x + (s * c + ch) * hw, gy + (s * c + ch) * hw, scale, shift, gx + (s * c + ch) * hw, hw);
            }
            for (int64_t k = 0; k < cg; k++) {
                int64_t ch = g * cg + k;
                const float *xc = x + (s * c + ch) * hw, *gc = grad + (s * c + ch) * hw;
                float wc = w ? w[ch] : 1.0f;
                vdsum weighted = vdsum_zero(), plain = vdsum_zero();
                vfloat vm = vf_set1(m), vr = vf_set1(r);
                int64_t i = 0;
                for (; i + VF_WIDTH <= hw; i += VF_WIDTH) {
                    vfloat g = vf_load(gc + i);
                    weighted = vdsum_add_products(weighted, g, vf_mul(vf_sub(vf_load(xc + i), vm), vr));
                    plain = vdsum_add(plain, g);
                }
                double cw = vdsum_total(weighted), cb = vdsum_total(plain);
                for (; i < hw; i++) {
                    float xhat = (xc[i] - m) * r;
                    cw += (double)gc[i] * xhat;
                    cb += gc[i];
                }
                sum_d += cb * wc;
                sum_dx += cw * wc;
                if (gw) gw[ch] += (float)cw;
                if (gb) gb[ch] += (float)cb;
            }
            if (!gx) continue;
            float mean_d = (float)(sum_d / count), mean_dx = (float)(sum_dx / count);
            for (int64_t k = 0; k < cg; k++) {
                int64_t ch = g * cg + k;
                const float *xc = x + (s * c + ch) * hw, *gc = grad + (s * c + ch) * hw;
                float *oc = gx + (s * c + ch) * hw; // may be gc itself: each element is read before it is written
                float wc = w ? w[ch] : 1.0f;
                for (int64_t i = 0; i < hw; i++) {
                    float xhat = (xc[i] - m) * r;
                    oc[i] = r * (gc[i] * wc - mean_d - xhat * mean_dx);
                }
            }
        }
    }
}
