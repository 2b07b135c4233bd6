// Row softmax kernels, max-subtracted and fused with an optional input scale (attention's
// 1/sqrt(d) rides along for free). A kernel body: compiled once per instruction-set variant (see variant.h).

static float row_max(const float *x, int64_t cols) {
    vfloat m = vf_set1(-INFINITY);
    int64_t i = 0;
    for (; i + VF_WIDTH <= cols; i += VF_WIDTH) m = vf_max(m, vf_load(x + i));
    float best = vf_hmax(m);
    for (; i < cols; i++) if (x[i] > best) best = x[i];
    return best;
}

// y = exp(scale * (x - max)) with the row sum returned (in double for long rows).
static double exp_shifted(const float *x, float *y, int64_t cols, float scale, float mx) {
    vfloat vs = vf_set1(scale), vm = vf_set1(mx);
    vdsum acc = vdsum_zero();
    int64_t i = 0;
    for (; i + VF_WIDTH <= cols; i += VF_WIDTH) {
        vfloat e = vf_exp(vf_mul(vs, vf_sub(vf_load(x + i), vm)));
        vf_store(y + i, e);
        acc = vdsum_add(acc, e);
    }
    double s = vdsum_total(acc);
    if (i < cols) {
        int64_t r = cols - i;
        vf_store_partial(y + i, vf_exp(vf_mul(vs, vf_sub(vf_load_partial(x + i, r, mx), vm))), r);
        for (int64_t k = 0; k < r; k++) s += y[i + k];
    }
    return s;
}

static void softmax_rows(const float *x, float *y, int64_t rows, int64_t cols, float scale) {
    for (int64_t r = 0; r < rows; r++) {
        const float *xr = x + r * cols;
        float *yr = y + r * cols;
        // scale > 0 (checked by the caller), so the row maximum also maximises scale * x.
        // Rows of -inf or +inf become NaN through (x - max), as in PyTorch.
        float mx = row_max(xr, cols);
        double s = exp_shifted(xr, yr, cols, scale, mx);
        scale_inplace(yr, (float)(1.0 / s), cols);
    }
}

static void log_softmax_rows(const float *x, float *y, int64_t rows, int64_t cols) {
    for (int64_t r = 0; r < rows; r++) {
        const float *xr = x + r * cols;
        float *yr = y + r * cols;
        float mx = row_max(xr, cols);
        double s = exp_shifted(xr, yr, cols, 1.0f, mx);
        // (x - max) - log(s), as PyTorch: max + log(s) first would round at the logits' magnitude (4e-4 at 1e4).
        float log_s = (float)log(s);
        for (int64_t i = 0; i < cols; i++) yr[i] = (xr[i] - mx) - log_s;
    }
}

// dx = scale * y * (dy - sum(dy * y))
static void softmax_backward_rows(const float *y, const float *gy, float *gx, int64_t rows, int64_t cols, float scale) {
    for (int64_t r = 0; r < rows; r++) {
        const float *yr = y + r * cols, *gr = gy + r * cols;
        float *xr = gx + r * cols;
        // Two float accumulators, summed in double: rows are at most a few thousand long.
        vfloat a0 = vf_zero(), a1 = vf_zero();
        int64_t i = 0;
        for (; i + 2 * VF_WIDTH <= cols; i += 2 * VF_WIDTH) {
            a0 = vf_fmadd(vf_load(yr + i), vf_load(gr + i), a0);
            a1 = vf_fmadd(vf_load(yr + i + VF_WIDTH), vf_load(gr + i + VF_WIDTH), a1);
        }
        double dot = (double)vf_hsum(a0) + (double)vf_hsum(a1);
        for (; i < cols; i++) dot += (double)yr[i] * gr[i];
        vfloat vd = vf_set1((float)dot), vs = vf_set1(scale);
        for (i = 0; i + VF_WIDTH <= cols; i += VF_WIDTH) {
            vfloat yv = vf_load(yr + i), g = vf_load(gr + i);
            vf_store(xr + i, vf_mul(vf_mul(vs, yv), vf_sub(g, vd)));
        }
        for (; i < cols; i++) xr[i] = scale * yr[i] * (gr[i] - (float)dot);
    }
}

// dx = dy - exp(y) * sum(dy)
static void log_softmax_backward_rows(const float *y, const float *gy, float *gx, int64_t rows, int64_t cols) {
    for (int64_t r = 0; r < rows; r++) {
        const float *yr = y + r * cols, *gr = gy + r * cols;
        float *xr = gx + r * cols;
        float s = (float)sum_all(gr, cols);
        for (int64_t i = 0; i < cols; i++) xr[i] = gr[i] - expf(yr[i]) * s;
    }
}
