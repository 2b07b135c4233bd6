// Winograd F(2×2, 3×3) for the 3×3, stride-1, pad-1 convolutions (NCHW): a 2×2 block of outputs is
// Y = Aᵀ [(G g Gᵀ) ⊙ (Bᵀ d B)] A for the 4×4 input window d that it reads and the 3×3 kernel g, so over
// all channels the convolution becomes 16 independent GEMMs M[ξ] = U[ξ] · V[ξ], one per position ξ of the
// 4×4 transformed tile: 16 multiplications per 2×2 outputs instead of 36 (Lavin & Gray 2016).
//   Bᵀ = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1],  G = [1 0 0; ½ ½ ½; ½ -½ ½; 0 0 1],  Aᵀ = [1 1 1 0; 0 1 -1 -1].
// The kernels below move between the NCHW planes and the transformed tiles. Tiles are numbered over the batch:
// t = image * th*tw + ty * tw + tx (th, tw: the tile rows and columns, the output size halved and rounded up;
// an odd size's last tile has outputs in the padding, which the forward pass drops and the gradient reads as
// zero). A block of tiles [t0, t0 + tiles) is stored as 16 matrices [channels, tiles]: element (ξ, ch, t) at
// (ξ * channels + ch) * tiles + t - t0. Each kernel walks its block in runs that stay on one tile row, where
// the tiles' windows are consecutive pairs of columns.

// A run of consecutive tiles on one tile row: its image, tile row, first tile column, length, and its offset in
// the block.
typedef struct { int64_t image, ty, tx, count, offset; } winograd_run;

// The run of the block [t0, end) of maps h × w that starts at tile t.
static winograd_run winograd_run_at(int64_t h, int64_t w, int64_t t0, int64_t end, int64_t t) {
    int64_t tw = (w + 1) / 2, per_image = (h + 1) / 2 * tw, in_image = t % per_image, tx = in_image % tw;
    int64_t count = tw - tx < end - t ? tw - tx : end - t;
    return (winograd_run){t / per_image, in_image / tw, tx, count, t - t0};
}

// Columns [first, first + n) of a row of width w into dst, zero outside [0, w) and where row is NULL (a row
// in the padding).
static void padded_span(const float *row, int64_t w, int64_t first, int64_t n, float *dst) {
    int64_t a = first < 0 ? -first : 0, b = w - first < n ? w - first : n;
    if (row == NULL || b <= a) { zero_span(dst, n); return; }
    zero_span(dst, a);
    copy_span(dst + a, row + first + a, b - a);
    zero_span(dst + b, n - b);
}

// Columns first, first + 2, ... (pairs of them, n in all) of a row of width w into even and the columns after
// them into odd, zero outside [0, w) and where row is NULL.
static void split_span(const float *row, int64_t w, int64_t first, int64_t n, float *even, float *odd) {
    if (row == NULL) { zero_span(even, n); zero_span(odd, n); return; }
    // Pairs [lo, hi) lie inside the row; the others (at most one or two at each end) touch the padding.
    int64_t lo = first < 0 ? (-first + 1) / 2 : 0, hi = (w - first) / 2;
    if (hi > n) hi = n;
    if (hi < lo) hi = lo;
    for (int64_t i = 0; i < n; i++) {
        if (i == lo) i = hi;
        if (i >= n) break;
        int64_t j = first + 2 * i;
        even[i] = j >= 0 && j < w ? row[j] : 0.0f;
        odd[i] = j + 1 >= 0 && j + 1 < w ? row[j + 1] : 0.0f;
    }
    int64_t i = lo;
    for (; i + VF_WIDTH <= hi; i += VF_WIDTH) {
        vfloat e, o;
        vf_deinterleave(row + first + 2 * i, &e, &o);
        vf_store(even + i, e);
        vf_store(odd + i, o);
    }
    if (i < hi && hi - lo >= VF_WIDTH) {
        // The rest as one vector ending at hi, overlapping the last one (same values written twice): a scalar
        // remainder of up to VF_WIDTH - 1 pairs cost as much as the whole vector loop on 32-wide maps.
        vfloat e, o;
        i = hi - VF_WIDTH;
        vf_deinterleave(row + first + 2 * i, &e, &o);
        vf_store(even + i, e);
        vf_store(odd + i, o);
        i = hi;
    }
    for (; i < hi; i++) { even[i] = row[first + 2 * i]; odd[i] = row[first + 2 * i + 1]; }
}

// dst = a - b (subtract) or a + b over n floats in whole vectors. The tail is one more vector ending at n, which
// overlaps the last one, when dst is neither input (recomputing equal values); else a masked vector, whose
// round trip through memory costs as much as several whole ones. `subtract` is a constant at every inlined call.
MV_INLINE vfloat sum_or_difference(vfloat a, vfloat b, int subtract) { return subtract ? vf_sub(a, b) : vf_add(a, b); }

MV_INLINE void combine_span(float *dst, const float *a, const float *b, int64_t n, int subtract) {
    int64_t k = 0;
    for (; k + VF_WIDTH <= n; k += VF_WIDTH) vf_store(dst + k, sum_or_difference(vf_load(a + k), vf_load(b + k), subtract));
    if (k == n) return;
    if (n >= VF_WIDTH && dst != a && dst != b) {
        k = n - VF_WIDTH;
        vf_store(dst + k, sum_or_difference(vf_load(a + k), vf_load(b + k), subtract));
    } else {
        vf_store_partial(dst + k, sum_or_difference(vf_load_partial(a + k, n - k, 0.0f), vf_load_partial(b + k, n - k, 0.0f), subtract), n - k);
    }
}

MV_INLINE void difference_span(float *dst, const float *a, const float *b, int64_t n) { combine_span(dst, a, b, n, 1); }
MV_INLINE void sum_span(float *dst, const float *a, const float *b, int64_t n) { combine_span(dst, a, b, n, 0); }

// The input transform V = Bᵀ d B of the block's tiles of x [N, channels, h, w], channels [c0, c1) only (stored in
// the block's layout for all channels, so workers can fill one block together). Tile i of a run reads window
// columns 2i - 1 ... 2i + 2 (from the run's first tile), i.e. the even and odd columns i and i + 1 once the window's
// rows are split by column parity, so every step after the split is a contiguous vector operation.
static void winograd_input_tiles(const float *x, int64_t channels, int64_t h, int64_t w, int64_t c0, int64_t c1,
                                 int64_t t0, int64_t tiles, float *v) {
    int64_t tw = (w + 1) / 2, len = tw + 1, matrix = channels * tiles;
    // The window's 4 rows split into even and odd columns (8 arrays), then Bᵀ down the columns (8 more).
    float *buffer = malloc(sizeof(float) * (size_t)(16 * len));
    float *split = buffer, *d = buffer + 8 * len; // even rows at 2k, odd rows at 2k + 1
    for (int64_t t = t0; t < t0 + tiles;) {
        winograd_run run = winograd_run_at(h, w, t0, t0 + tiles, t);
        t += run.count;
        int64_t n = run.count;
        for (int64_t ch = c0; ch < c1; ch++) {
            const float *plane = x + (run.image * channels + ch) * h * w;
            for (int64_t k = 0; k < 4; k++) {
                int64_t iy = 2 * run.ty - 1 + k;
                split_span(iy >= 0 && iy < h ? plane + iy * w : NULL, w, 2 * run.tx - 1, n + 1, split + 2 * k * len,
                           split + (2 * k + 1) * len);
            }
            // Bᵀ down the columns: d0 = r0 - r2, d1 = r1 + r2, d2 = r2 - r1, d3 = r1 - r3, for even and odd columns.
            for (int64_t parity = 0; parity < 2; parity++) {
                const float *r0 = split + parity * len, *r1 = r0 + 2 * len, *r2 = r1 + 2 * len, *r3 = r2 + 2 * len;
                float *d0 = d + parity * len;
                difference_span(d0, r0, r2, n + 1);
                sum_span(d0 + 2 * len, r1, r2, n + 1);
                difference_span(d0 + 4 * len, r2, r1, n + 1);
                difference_span(d0 + 6 * len, r1, r3, n + 1);
            }
            // B along the rows: tile i's window columns are e[i], o[i], e[i + 1], o[i + 1].
            for (int64_t k = 0; k < 4; k++) {
                const float *e = d + 2 * k * len, *o = e + len;
                float *v0 = v + (4 * k) * matrix + ch * tiles + run.offset;
                difference_span(v0, e, e + 1, n);
                sum_span(v0 + matrix, o, e + 1, n);
                difference_span(v0 + 2 * matrix, e + 1, o, n);
                difference_span(v0 + 3 * matrix, o, o + 1, n);
            }
        }
    }
    free(buffer);
}

// The output transform Y = Aᵀ M A of the block's tiles into y [N, channels, h, w], plus bias[ch] when given.
static void winograd_output_tiles(const float *m, int64_t channels, int64_t h, int64_t w, const float *bias, int64_t t0,
                                  int64_t tiles, float *y) {
    int64_t tw = (w + 1) / 2, matrix = channels * tiles;
    float *buffer = malloc(sizeof(float) * (size_t)(12 * tw));
    float *s = buffer, *top = s + 8 * tw, *bottom = top + 2 * tw; // s: Aᵀ along the rows, 2 columns × 4 rows
    for (int64_t t = t0; t < t0 + tiles;) {
        winograd_run run = winograd_run_at(h, w, t0, t0 + tiles, t);
        t += run.count;
        int64_t n = run.count, oy = 2 * run.ty, ox = 2 * run.tx, width = w - ox < 2 * n ? w - ox : 2 * n;
        for (int64_t ch = 0; ch < channels; ch++) {
            float b = bias ? bias[ch] : 0.0f;
            for (int64_t k = 0; k < 4; k++) {
                const float *m0 = m + (4 * k) * matrix + ch * tiles + run.offset;
                const float *m1 = m0 + matrix, *m2 = m1 + matrix, *m3 = m2 + matrix;
                float *s0 = s + 2 * k * tw, *s1 = s0 + tw;
                sum_span(s0, m0, m1, n);
                sum_span(s0, s0, m2, n);
                difference_span(s1, m1, m2, n);
                difference_span(s1, s1, m3, n);
            }
            // Aᵀ down the columns: output rows oy (top) and oy + 1 (bottom) of output column c of every tile.
            for (int64_t c = 0; c < 2; c++) {
                float *a0 = s + c * tw, *a1 = a0 + 2 * tw, *a2 = a1 + 2 * tw, *a3 = a2 + 2 * tw;
                sum_span(a0, a0, a1, n);
                sum_span(a0, a0, a2, n);      // a0: the top row
                difference_span(a1, a1, a2, n);
                difference_span(a1, a1, a3, n); // a1: the bottom row
            }
            for (int64_t i = 0; i < n; i++) {
                top[2 * i] = s[i] + b;                 top[2 * i + 1] = s[tw + i] + b;
                bottom[2 * i] = s[2 * tw + i] + b;     bottom[2 * i + 1] = s[3 * tw + i] + b;
            }
            float *plane = y + (run.image * channels + ch) * h * w;
            copy_span(plane + oy * w + ox, top, width);
            if (oy + 1 < h) copy_span(plane + (oy + 1) * w + ox, bottom, width);
        }
    }
    free(buffer);
}

// The transform dM = A dY Aᵀ of the output gradient gy [N, channels, h, w], channels [c0, c1) only, for the
// block's tiles (in the block's layout for all channels, as V): what the weight gradient's GEMMs multiply with V.
static void winograd_gradient_tiles(const float *gy, int64_t channels, int64_t h, int64_t w, int64_t c0, int64_t c1,
                                    int64_t t0, int64_t tiles, float *dm) {
    int64_t tw = (w + 1) / 2, matrix = channels * tiles;
    // The two gradient rows' padded columns, then A along each row: (g0, g1) → (g0, g0 + g1, g0 - g1, -g1).
    float *buffer = malloc(sizeof(float) * (size_t)(12 * tw));
    float *top = buffer, *bottom = top + 2 * tw, *along = bottom + 2 * tw;
    for (int64_t t = t0; t < t0 + tiles;) {
        winograd_run run = winograd_run_at(h, w, t0, t0 + tiles, t);
        t += run.count;
        int64_t n = run.count, oy = 2 * run.ty, ox = 2 * run.tx;
        for (int64_t ch = c0; ch < c1; ch++) {
            const float *plane = gy + (run.image * channels + ch) * h * w;
            padded_span(plane + oy * w, w, ox, 2 * n, top);
            padded_span(oy + 1 < h ? plane + (oy + 1) * w : NULL, w, ox, 2 * n, bottom);
            for (int64_t r = 0; r < 2; r++) {
                const float *src = r == 0 ? top : bottom;
                float *a0 = along + 4 * r * tw, *a1 = a0 + tw, *a2 = a1 + tw, *a3 = a2 + tw;
                for (int64_t i = 0; i < n; i++) {
                    float a = src[2 * i], b = src[2 * i + 1];
                    a0[i] = a; a1[i] = a + b; a2[i] = a - b; a3[i] = -b;
                }
            }
            // A along the columns, one transformed position (one stream) at a time.
            float *d = dm + ch * tiles + run.offset;
            for (int64_t c = 0; c < 4; c++) {
                const float *g0 = along + c * tw, *g1 = along + (4 + c) * tw;
                float *d0 = d + c * matrix, *d1 = d + (4 + c) * matrix, *d2 = d + (8 + c) * matrix, *d3 = d + (12 + c) * matrix;
                for (int64_t i = 0; i < n; i++) d0[i] = g0[i];
                for (int64_t i = 0; i < n; i++) d1[i] = g0[i] + g1[i];
                for (int64_t i = 0; i < n; i++) d2[i] = g0[i] - g1[i];
                for (int64_t i = 0; i < n; i++) d3[i] = -g1[i];
            }
        }
    }
    free(buffer);
}

// The weight transform U[ξ] = G g Gᵀ of kernels w [o, c, 3, 3] into u [16, o, c]. With adjoint, the kernels of
// the input gradient instead, which is the same convolution of the output gradient with each kernel turned by
// 180° and the channels swapped: u [16, c, o] from g'[c, o] = g[o, c] rotated. Each row of the 16 matrices is
// built in a staging buffer and copied out whole: stored kernel by kernel, 16 values 16 matrices apart would
// fall into the same cache set whenever a matrix is a multiple of 4 KB, and evict each other.
static void winograd_weights(const float *w, int64_t o, int64_t c, int adjoint, float *u) {
    int64_t matrix = o * c, rows = adjoint ? c : o, cols = adjoint ? o : c;
    float *staging = malloc(sizeof(float) * (size_t)(16 * cols));
    for (int64_t row = 0; row < rows; row++) {
        for (int64_t col = 0; col < cols; col++) {
            const float *g = adjoint ? w + (col * c + row) * 9 : w + (row * c + col) * 9;
            float k[9];
            for (int64_t e = 0; e < 9; e++) k[e] = g[adjoint ? 8 - e : e];
            float gg[4][3]; // G g
            for (int64_t j = 0; j < 3; j++) {
                float a = k[j], b = k[3 + j], d = k[6 + j];
                gg[0][j] = a; gg[1][j] = 0.5f * (a + b + d); gg[2][j] = 0.5f * (a - b + d); gg[3][j] = d;
            }
            float *dst = staging + col;
            for (int64_t r = 0; r < 4; r++) {
                float a = gg[r][0], b = gg[r][1], d = gg[r][2];
                dst[(4 * r) * cols] = a;
                dst[(4 * r + 1) * cols] = 0.5f * (a + b + d);
                dst[(4 * r + 2) * cols] = 0.5f * (a - b + d);
                dst[(4 * r + 3) * cols] = d;
            }
        }
        for (int64_t position = 0; position < 16; position++) copy_span(u + position * matrix + row * cols, staging + position * cols, cols);
    }
    free(staging);
}

// The adjoint of the weight transform: gw [o, c, 3, 3] += Gᵀ dU G for du [16, o, c] (dU = Σ over tiles of dM ⊙ V).
static void winograd_weight_gradient(const float *du, int64_t o, int64_t c, float *gw) {
    int64_t matrix = o * c;
    for (int64_t i = 0; i < o * c; i++) {
        float rows[3][4]; // Gᵀ dU
        for (int64_t col = 0; col < 4; col++) {
            float a = du[col * matrix + i], b = du[(4 + col) * matrix + i];
            float d = du[(8 + col) * matrix + i], e = du[(12 + col) * matrix + i];
            rows[0][col] = a + 0.5f * (b + d); rows[1][col] = 0.5f * (b - d); rows[2][col] = 0.5f * (b + d) + e;
        }
        float *g = gw + i * 9;
        for (int64_t r = 0; r < 3; r++) {
            float a = rows[r][0], b = rows[r][1], d = rows[r][2], e = rows[r][3];
            g[3 * r] += a + 0.5f * (b + d);
            g[3 * r + 1] += 0.5f * (b - d);
            g[3 * r + 2] += 0.5f * (b + d) + e;
        }
    }
}
