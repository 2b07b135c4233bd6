// Spatial helpers for convolutions and resampling (NCHW, one image or a stack of planes at a time).
// A kernel body: compiled once per instruction-set variant (see variant.h).

// Caffe-style column layout: row (ch, ki, kj), column (oy, ox). Then W[oc, c*kh*kw] x col gives
// the output directly in NCHW order without a permute.
static void im2col(const float *x, int64_t c, int64_t h, int64_t w, int64_t kh, int64_t kw,
                   int64_t sh, int64_t sw, int64_t ph, int64_t pw, int64_t oh, int64_t ow, float *col) {
    for (int64_t ch = 0; ch < c; ch++) {
        const float *plane = x + ch * h * w;
        for (int64_t ki = 0; ki < kh; ki++) {
            for (int64_t kj = 0; kj < kw; kj++) {
                float *dst = col + ((ch * kh + ki) * kw + kj) * oh * ow;
                for (int64_t oy = 0; oy < oh; oy++) {
                    int64_t iy = oy * sh - ph + ki;
                    float *row = dst + oy * ow;
                    if (iy < 0 || iy >= h) { memset(row, 0, (size_t)ow * sizeof(float)); continue; }
                    const float *src = plane + iy * w;
                    if (sw == 1) {
                        // Contiguous span with zero fringes: the common 3x3/stride-1 case.
                        int64_t lo = pw - kj, hi = w + pw - kj; // valid ox in [lo, hi)
                        if (lo < 0) lo = 0;
                        if (hi > ow) hi = ow;
                        for (int64_t ox = 0; ox < lo && ox < ow; ox++) row[ox] = 0.0f;
                        if (hi > lo) memcpy(row + lo, src + lo - pw + kj, (size_t)(hi - lo) * sizeof(float));
                        for (int64_t ox = hi > lo ? hi : lo; ox < ow; ox++) row[ox] = 0.0f;
                    } else {
                        for (int64_t ox = 0; ox < ow; ox++) {
                            int64_t ix = ox * sw - pw + kj;
                            row[ox] = (ix >= 0 && ix < w) ? src[ix] : 0.0f;
                        }
                    }
                }
            }
        }
    }
}

static void col2im(const float *col, int64_t c, int64_t h, int64_t w, int64_t kh, int64_t kw,
                   int64_t sh, int64_t sw, int64_t ph, int64_t pw, int64_t oh, int64_t ow, float *gx) {
    for (int64_t ch = 0; ch < c; ch++) {
        float *plane = gx + ch * h * w;
        for (int64_t ki = 0; ki < kh; ki++) {
            for (int64_t kj = 0; kj < kw; kj++) {
                const float *src = col + ((ch * kh + ki) * kw + kj) * oh * ow;
                for (int64_t oy = 0; oy < oh; oy++) {
                    int64_t iy = oy * sh - ph + ki;
                    if (iy < 0 || iy >= h) continue;
                    float *dst = plane + iy * w;
                    const float *row = src + oy * ow;
                    if (sw == 1) {
                        // The columns that land inside the row form one span (as in im2col): a plain add loop,
                        // where the bounds test per element would need masked loads and stores (slow on AVX2).
                        int64_t lo = pw - kj, hi = w + pw - kj; // valid ox in [lo, hi)
                        if (lo < 0) lo = 0;
                        if (hi > ow) hi = ow;
                        for (int64_t ox = lo; ox < hi; ox++) dst[ox - pw + kj] += row[ox];
                    } else {
                        for (int64_t ox = 0; ox < ow; ox++) {
                            int64_t ix = ox * sw - pw + kj;
                            if (ix >= 0 && ix < w) dst[ix] += row[ox];
                        }
                    }
                }
            }
        }
    }
}

static void add_channel_bias(float *y, const float *bias, int64_t n, int64_t c, int64_t hw) {
    for (int64_t s = 0; s < n; s++)
        for (int64_t ch = 0; ch < c; ch++) {
            float b = bias[ch];
            float *p = y + (s * c + ch) * hw;
            for (int64_t i = 0; i < hw; i++) p[i] += b;
        }
}

static void channel_bias_grad(const float *gy, float *gbias, int64_t n, int64_t c, int64_t hw) {
    for (int64_t s = 0; s < n; s++)
        for (int64_t ch = 0; ch < c; ch++) gbias[ch] += (float)sum_all(gy + (s * c + ch) * hw, hw);
}

static void set_rows(float *y, const float *row, int64_t rows, int64_t cols) {
    for (int64_t r = 0; r < rows; r++) memcpy(y + r * cols, row, (size_t)cols * sizeof(float));
}

static void row_bias_grad(const float *gy, float *gbias, int64_t rows, int64_t cols) {
    for (int64_t r = 0; r < rows; r++) {
        const float *p = gy + r * cols;
        for (int64_t i = 0; i < cols; i++) gbias[i] += p[i];
    }
}

static void upsample_nearest2x(const float *x, float *y, int64_t planes, int64_t h, int64_t w) {
    for (int64_t p = 0; p < planes; p++) {
        const float *src = x + p * h * w;
        float *dst = y + p * 4 * h * w;
        for (int64_t i = 0; i < h; i++) {
            float *r0 = dst + (2 * i) * (2 * w), *r1 = r0 + 2 * w;
            for (int64_t j = 0; j < w; j++) { float v = src[i * w + j]; r0[2 * j] = v; r0[2 * j + 1] = v; }
            memcpy(r1, r0, (size_t)(2 * w) * sizeof(float));
        }
    }
}

static void upsample_nearest2x_backward(const float *gy, float *gx, int64_t planes, int64_t h, int64_t w) {
    for (int64_t p = 0; p < planes; p++) {
        const float *src = gy + p * 4 * h * w;
        float *dst = gx + p * h * w;
        for (int64_t i = 0; i < h; i++) {
            const float *r0 = src + (2 * i) * (2 * w), *r1 = r0 + 2 * w;
            for (int64_t j = 0; j < w; j++) dst[i * w + j] = r0[2 * j] + r0[2 * j + 1] + r1[2 * j] + r1[2 * j + 1];
        }
    }
}

static void pad2d(const float *x, float *y, int64_t planes, int64_t h, int64_t w,
                  int64_t top, int64_t bottom, int64_t left, int64_t right, float value) {
    int64_t oh = h + top + bottom, ow = w + left + right;
    for (int64_t p = 0; p < planes; p++) {
        float *dst = y + p * oh * ow;
        const float *src = x + p * h * w;
        fill(dst, value, oh * ow);
        for (int64_t i = 0; i < h; i++) memcpy(dst + (i + top) * ow + left, src + i * w, (size_t)w * sizeof(float));
    }
}

static void pad2d_backward(const float *gy, float *gx, int64_t planes, int64_t h, int64_t w,
                           int64_t top, int64_t bottom, int64_t left, int64_t right) {
    int64_t oh = h + top + bottom, ow = w + left + right;
    for (int64_t p = 0; p < planes; p++)
        for (int64_t i = 0; i < h; i++)
            memcpy(gx + p * h * w + i * w, gy + p * oh * ow + (i + top) * ow + left, (size_t)w * sizeof(float));
}
