// Layer norm and group norm, each one fused forward pass that caches mean and 1/std for the
// backward pass (llm.c's layernorm does the same). Statistics accumulate in double.
// A kernel body: compiled once per instruction-set variant (see variant.h).

// Mean and reciprocal standard deviation (population variance, as torch's norms use) of n values.
static void moments(const float *x, int64_t n, float eps, float *mean_out, float *rstd_out) {
    double m = sum_all(x, n) / (double)n;
    double ss = 0.0;
    for (int64_t i = 0; i < n; i++) { double d = x[i] - m; ss += d * d; }
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
        double sum_d = 0.0, sum_dx = 0.0;
        for (int64_t i = 0; i < cols; i++) {
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

// x is [n, c, hw]; each group is c/groups consecutive channels, i.e. one contiguous block. Both passes
// handle the groups [g0, g1) of every sample, so workers that take disjoint ranges of groups write disjoint
// outputs, the weight and bias gradients included (each channel belongs to one group).
static void groupnorm_forward(const float *x, const float *w, const float *b, float *y, float *mean, float *rstd,
                              int64_t n, int64_t c, int64_t hw, int64_t groups, int64_t g0, int64_t g1, float eps) {
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
            }
        }
    }
}

static void groupnorm_backward(const float *x, const float *gy, const float *w, const float *mean, const float *rstd,
                               float *gx, float *gw, float *gb, int64_t n, int64_t c, int64_t hw, int64_t groups,
                               int64_t g0, int64_t g1) {
    int64_t cg = c / groups;
    double count = (double)(cg * hw);
    for (int64_t s = 0; s < n; s++) {
        for (int64_t g = g0; g < g1; g++) {
            float m = mean[s * groups + g], r = rstd[s * groups + g];
            double sum_d = 0.0, sum_dx = 0.0;
            for (int64_t k = 0; k < cg; k++) {
                int64_t ch = g * cg + k;
                const float *xc = x + (s * c + ch) * hw, *gc = gy + (s * c + ch) * hw;
                float wc = w ? w[ch] : 1.0f;
                double cw = 0.0, cb = 0.0;
                for (int64_t i = 0; i < hw; i++) {
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
                const float *xc = x + (s * c + ch) * hw, *gc = gy + (s * c + ch) * hw;
                float *oc = gx + (s * c + ch) * hw;
                float wc = w ? w[ch] : 1.0f;
                for (int64_t i = 0; i < hw; i++) {
                    float xhat = (xc[i] - m) * r;
                    oc[i] = r * (gc[i] * wc - mean_d - xhat * mean_dx);
                }
            }
        }
    }
}
