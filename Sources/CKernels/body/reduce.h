// Reductions over one dimension of a contiguous tensor seen as [outer, r, inner]. Sums accumulate
// in double (DESIGN.md §4) so that means over millions of voxels do not drift.
// A kernel body: compiled once per instruction-set variant (see variant.h).

// Double-precision lanes (vdsum): vector speed with double-precision summation.
static double sum_all(const float *x, int64_t n) {
    vdsum acc = vdsum_zero();
    int64_t i = 0;
    for (; i + VF_WIDTH <= n; i += VF_WIDTH) acc = vdsum_add(acc, vf_load(x + i));
    double s = vdsum_total(acc);
    for (; i < n; i++) s += x[i];
    return s;
}

static double sum_squares(const float *x, int64_t n) {
    vdsum acc = vdsum_zero();
    int64_t i = 0;
    for (; i + VF_WIDTH <= n; i += VF_WIDTH) { vfloat v = vf_load(x + i); acc = vdsum_add_products(acc, v, v); }
    double s = vdsum_total(acc);
    for (; i < n; i++) s += (double)x[i] * x[i];
    return s;
}

static void reduce_sum(const float *x, int64_t outer, int64_t r, int64_t inner, float *out) {
    if (inner == 1) {
        for (int64_t o = 0; o < outer; o++) out[o] = (float)sum_all(x + o * r, r);
        return;
    }
    double *acc = malloc((size_t)inner * sizeof(double));
    for (int64_t o = 0; o < outer; o++) {
        for (int64_t i = 0; i < inner; i++) acc[i] = 0.0;
        const float *base = x + o * r * inner;
        for (int64_t k = 0; k < r; k++) {
            const float *row = base + k * inner;
            for (int64_t i = 0; i < inner; i++) acc[i] += row[i];
        }
        for (int64_t i = 0; i < inner; i++) out[o * inner + i] = (float)acc[i];
    }
    free(acc);
}

// NaN propagates like PyTorch's max: the first NaN wins.
static void reduce_max(const float *x, int64_t outer, int64_t r, int64_t inner, float *out, float *argmax, int is_min) {
    for (int64_t o = 0; o < outer; o++) {
        for (int64_t i = 0; i < inner; i++) {
            const float *p = x + o * r * inner + i;
            float best = p[0];
            int64_t bi = 0;
            if (!isnan(best)) {
                for (int64_t k = 1; k < r; k++) {
                    float v = p[k * inner];
                    if (isnan(v)) { best = v; bi = k; break; }
                    if (is_min ? v < best : v > best) { best = v; bi = k; }
                }
            }
            out[o * inner + i] = best;
            if (argmax) argmax[o * inner + i] = (float)bi;
        }
    }
}

static void reduce_var(const float *x, int64_t outer, int64_t r, int64_t inner, int64_t correction, float *out) {
    double denom = (double)(r - correction);
    for (int64_t o = 0; o < outer; o++) {
        for (int64_t i = 0; i < inner; i++) {
            const float *p = x + o * r * inner + i;
            double mean = 0.0, ss = 0.0;
            for (int64_t k = 0; k < r; k++) mean += p[k * inner];
            mean /= (double)r;
            for (int64_t k = 0; k < r; k++) { double d = p[k * inner] - mean; ss += d * d; }
            out[o * inner + i] = denom > 0 ? (float)(ss / denom) : NAN;
        }
    }
}

static int all_finite(const float *x, int64_t n) {
    for (int64_t i = 0; i < n; i++) if (!isfinite(x[i])) return 0;
    return 1;
}
