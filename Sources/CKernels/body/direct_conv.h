// Direct stride-1 convolutions for layers with very few output channels (the RGB and latent output layers; their
// input gradient runs here too, as a convolution with few input channels). As im2col + GEMM they are a product with
// 3 rows: the column matrix, nine times the input, is written and read again for very little arithmetic. Here each
// output row is a sum of shifted input rows instead: an input row is padded once and then serves every kernel
// column and every output channel while the output row stays in L1. Each output element is summed in the same
// order (bias, then input channel, kernel row, kernel column) whatever the caller's split.

// dst [o, oh, ow] = bias + Σ_c,ki,kj weight[o, c, ki, kj] · src[c, oy - pt + ki, ox - pl + kj] for one image
// src [c, h, w] (zero outside); bias may be NULL.
static void conv_direct(const float *src, int64_t c, int64_t h, int64_t w, const float *weight, const float *bias,
                        int64_t o, int64_t kh, int64_t kw, int64_t pt, int64_t pl, int64_t oh, int64_t ow, float *dst) {
    int64_t span = ow + kw - 1;
    // Vector loads near the row's end may read up to VF_WIDTH floats past it: zeros, never stored.
    float *row = calloc((size_t)(span + VF_WIDTH), sizeof(float));
    for (int64_t oc = 0; oc < o; oc++) fill(dst + oc * oh * ow, bias ? bias[oc] : 0.0f, oh * ow);
    for (int64_t oy = 0; oy < oh; oy++) {
        for (int64_t ch = 0; ch < c; ch++) {
            for (int64_t ki = 0; ki < kh; ki++) {
                int64_t iy = oy - pt + ki;
                if (iy < 0 || iy >= h) continue;
                padded_span(src + (ch * h + iy) * w, w, -pl, span, row);
                for (int64_t oc = 0; oc < o; oc++) {
                    const float *k = weight + ((oc * c + ch) * kh + ki) * kw;
                    float *d = dst + (oc * oh + oy) * ow;
                    int64_t x = 0;
                    for (; x + VF_WIDTH <= ow; x += VF_WIDTH) {
                        vfloat acc = vf_load(d + x);
                        for (int64_t kj = 0; kj < kw; kj++) acc = vf_fmadd(vf_set1(k[kj]), vf_load(row + x + kj), acc);
                        vf_store(d + x, acc);
                    }
                    if (x < ow) {
                        vfloat acc = vf_load_partial(d + x, ow - x, 0.0f);
                        for (int64_t kj = 0; kj < kw; kj++) acc = vf_fmadd(vf_set1(k[kj]), vf_load(row + x + kj), acc);
                        vf_store_partial(d + x, acc, ow - x);
                    }
                }
            }
        }
    }
    free(row);
}

// gw [o, c, kh, kw] += Σ_image,oy,ox gy[image, oc, oy, ox] · x[image, ch, oy - pt + ki, ox - pl + kj] for output
// channels [o0, o1) and input channels [c0, c1), over n images x [n, c, h, w] and gy [n, o, oh, ow]. Every weight's
// sum runs over images, rows and vectors of columns in that order, in vector lanes added up at the end.
static void conv_direct_weight_gradient(const float *x, const float *gy, int64_t n, int64_t c, int64_t h, int64_t w,
                                        int64_t o, int64_t o0, int64_t o1, int64_t c0, int64_t c1, int64_t kh, int64_t kw,
                                        int64_t pt, int64_t pl, int64_t oh, int64_t ow, float *gw) {
    int64_t span = ow + kw - 1, channels = c1 - c0, taps = kh * kw;
    float *row = calloc((size_t)(span + VF_WIDTH), sizeof(float));
    float *acc = calloc((size_t)((o1 - o0) * channels * taps * VF_WIDTH), sizeof(float));
    for (int64_t image = 0; image < n; image++) {
        for (int64_t oy = 0; oy < oh; oy++) {
            for (int64_t ch = c0; ch < c1; ch++) {
                for (int64_t ki = 0; ki < kh; ki++) {
                    int64_t iy = oy - pt + ki;
                    if (iy < 0 || iy >= h) continue;
                    padded_span(x + ((image * c + ch) * h + iy) * w, w, -pl, span, row);
                    for (int64_t oc = o0; oc < o1; oc++) {
                        const float *g = gy + ((image * o + oc) * oh + oy) * ow;
                        float *a = acc + (((oc - o0) * channels + ch - c0) * taps + ki * kw) * VF_WIDTH;
                        for (int64_t kj = 0; kj < kw; kj++) {
                            vfloat s = vf_load(a + kj * VF_WIDTH);
                            int64_t xo = 0;
                            for (; xo + VF_WIDTH <= ow; xo += VF_WIDTH) s = vf_fmadd(vf_load(g + xo), vf_load(row + xo + kj), s);
                            if (xo < ow) s = vf_fmadd(vf_load_partial(g + xo, ow - xo, 0.0f), vf_load(row + xo + kj), s);
                            vf_store(a + kj * VF_WIDTH, s);
                        }
                    }
                }
            }
        }
    }
    for (int64_t oc = o0; oc < o1; oc++) {
        for (int64_t ch = c0; ch < c1; ch++) {
            for (int64_t t = 0; t < taps; t++) {
                gw[(oc * c + ch) * taps + t] += vf_hsum(vf_load(acc + (((oc - o0) * channels + ch - c0) * taps + t) * VF_WIDTH));
            }
        }
    }
    free(acc);
    free(row);
}
