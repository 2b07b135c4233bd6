// Spatial helpers for convolutions and resampling (NCHW).
// A kernel body: compiled once per instruction-set variant (see variant.h).

// The column matrix of a whole batch, Caffe's layout extended over images: row (ch, ki, kj), column
// j = image * oh*ow + oy * ow + ox. W[O, C*kh*kw] times a block of consecutive columns gives that block of
// the output, so the convolution runs as GEMMs on cache-sized tiles of columns, which may span images.
// The kernels below fill, drain and reshape such tiles; each walks its columns in runs that stay on one
// output row (or one image), where the copies are contiguous.

// n floats copied or zeroed inline, whole vectors and a partial one: the runs of small maps (4×4, 8×8) are a few
// floats long, where a call to memcpy or memset costs more than the copy. (The compiler turns a plain loop of
// vector copies into such a call; the test for the tail inside the loop keeps it a loop.)
MV_INLINE void copy_span(float *dst, const float *src, int64_t n) {
    for (int64_t k = 0; k < n; k += VF_WIDTH) {
        if (n - k >= VF_WIDTH) vf_store(dst + k, vf_load(src + k));
        else vf_store_partial(dst + k, vf_load_partial(src + k, n - k, 0.0f), n - k);
    }
}

MV_INLINE void add_span(float *dst, const float *src, int64_t n) {
    int64_t k = 0;
    for (; k + VF_WIDTH <= n; k += VF_WIDTH) vf_store(dst + k, vf_add(vf_load(dst + k), vf_load(src + k)));
    for (; k < n; k++) dst[k] += src[k];
}

// copy_span and add_span of the entries whose keep[k] is 1 (0 elsewhere): the source's other entries give zeros
// (copy) or are left alone (add), even when they are not finite.
MV_INLINE void copy_kept(float *dst, const float *src, const float *keep, int64_t n) {
    vfloat zero = vf_zero();
    int64_t k = 0;
    for (; k + VF_WIDTH <= n; k += VF_WIDTH) vf_store(dst + k, vf_select(vf_gt(vf_load(keep + k), zero), vf_load(src + k), zero));
    if (k < n) {
        vmask kept = vf_gt(vf_load_partial(keep + k, n - k, 0.0f), zero);
        vf_store_partial(dst + k, vf_select(kept, vf_load_partial(src + k, n - k, 0.0f), zero), n - k);
    }
}

MV_INLINE void add_kept(float *dst, const float *src, const float *keep, int64_t n) {
    vfloat zero = vf_zero();
    int64_t k = 0;
    for (; k + VF_WIDTH <= n; k += VF_WIDTH) {
        vf_store(dst + k, vf_add(vf_load(dst + k), vf_select(vf_gt(vf_load(keep + k), zero), vf_load(src + k), zero)));
    }
    for (; k < n; k++) if (keep[k] > 0.0f) dst[k] += src[k];
}

MV_INLINE void zero_span(float *dst, int64_t n) {
    for (int64_t k = 0; k < n; k += VF_WIDTH) {
        if (n - k >= VF_WIDTH) vf_store(dst + k, vf_zero());
        else vf_store_partial(dst + k, vf_zero(), n - k);
    }
}

// The output columns [lo, hi) whose kernel column kj reads inside the input row (ix = ox*sw - pw + kj in
// [0, w)); the others read the zero padding.
static void valid_columns(const mv_conv_geometry *g, int64_t kj, int64_t *lo, int64_t *hi) {
    int64_t first = g->pw - kj, last = g->w - 1 + g->pw - kj; // ox*sw must lie in [first, last]
    *lo = first > 0 ? (first + g->sw - 1) / g->sw : 0;
    *hi = last < 0 ? 0 : last / g->sw + 1;
    if (*hi > g->ow) *hi = g->ow;
}

// A column of the column matrix as image, output row and output column. Tiles are walked by moving from one
// output row to the next, without a division per run.
typedef struct { int64_t image, oy, ox; } conv_position;

static conv_position position_of(const mv_conv_geometry *g, int64_t j) {
    int64_t plane = g->oh * g->ow, p = j % plane;
    return (conv_position){j / plane, p / g->ow, p % g->ow};
}

MV_INLINE void next_output_row(const mv_conv_geometry *g, conv_position *at) {
    at->ox = 0;
    if (++at->oy == g->oh) { at->oy = 0; at->image++; }
}

// Stride 1 with outputs as wide as the inputs (the 3×3 pad-1 convolutions, and 1×1 gathers): the row (ch, ki, kj)
// of the column matrix, over one image, is the input plane read at the constant offset
// d = (ki - ph)*w + (kj - pw), so a tile is filled image by image with one long copy instead of one per output
// row (the rows of 4×4 and 8×8 maps are a few floats long). Left to fix: output rows whose input row lies in the
// padding (outside [lo, hi)), and the |kj - pw| columns at the left or right edge that would read the neighbouring
// input row instead of the padding ("wrapped" positions). w is the source plane's width.
typedef struct { int64_t d, dx, lo, hi, w; } same_row;

// A source plane of h × w read at the shift (dy, dx) for every position of an output plane of `plane` positions
// with the same width.
static same_row same_row_shifted(int64_t h, int64_t w, int64_t plane, int64_t dy, int64_t dx) {
    int64_t hw = h * w, d = dy * w + dx;
    int64_t lo = -dy * w, hi = (h - dy) * w;
    // Also keep q + d inside the source plane: the positions cut off here are wrapped ones.
    if (lo < -d) lo = -d;
    if (hi > hw - d) hi = hw - d;
    if (lo < 0) lo = 0;
    if (hi > plane) hi = plane;
    return (same_row){d, dx, lo, hi, w};
}

// Calls fix(k) for the wrapped positions k - p0 of the span [a, b) of an image's positions that starts at p0.
#define FOR_EACH_WRAPPED(r, a, b, p0, fix) \
    do { \
        if ((r).dx != 0) { \
            int64_t first_ = (r).dx < 0 ? 0 : (r).w - (r).dx, last_ = (r).dx < 0 ? -(r).dx : (r).w; \
            for (int64_t row_ = (a) / (r).w * (r).w; row_ < (b); row_ += (r).w) \
                for (int64_t q_ = row_ + first_; q_ < row_ + last_; q_++) \
                    if (q_ >= (a) && q_ < (b)) { int64_t k = q_ - (p0); fix; } \
        } \
    } while (0)

// keep[q] = 1 where position q of a plane of width w, read at the column shift dx, stays in its own row
// (0 <= q % w + dx < w), else 0 (a wrapped position).
static void wrap_keep(int64_t plane, int64_t w, int64_t dx, float *keep) {
    for (int64_t q = 0; q < plane; q++) {
        int64_t column = q % w + dx;
        keep[q] = column >= 0 && column < w ? 1.0f : 0.0f;
    }
}

// Small planes (4×4 to 16×16 outputs) take their wrapped positions from keep tables of at most this many
// floats, on the stack: their runs are a few vectors long, and fixing the wrapped positions one row at a time
// cost as much as the copies.
#define KEEP_TABLE_FLOATS 1024

// The positions [p, end) of one image's row of the column matrix, c[q - p], from the source plane read as r says
// (to_columns), or added into it. keep, when given, is r's wrap_keep table over the plane's positions and leaves
// the wrapped entries out of the copy or the add. Without it both directions zero those entries of c: the im2col
// after its long copy, the adjoint before its long add, so that the add covers the rest; the adjoint may thus
// overwrite c.
MV_INLINE void same_run(same_row r, float *source, const float *keep, int64_t p, int64_t end, float *c, int to_columns) {
    // [a, b): the positions whose source row lies inside the plane (maybe none).
    int64_t a = r.lo > p ? r.lo : p, b = r.hi < end ? r.hi : end;
    if (a > end) a = end;
    if (b < a) b = a;
    float *in = source + a + r.d;
    if (to_columns) {
        zero_span(c, a - p);
        if (keep) copy_kept(c + a - p, in, keep + a, b - a);
        else copy_span(c + a - p, in, b - a);
        zero_span(c + b - p, end - b);
        if (!keep) FOR_EACH_WRAPPED(r, a, b, p, c[k] = 0.0f);
    } else if (keep) {
        add_kept(in, c + a - p, keep + a, b - a);
    } else {
        FOR_EACH_WRAPPED(r, a, b, p, c[k] = 0.0f);
        add_span(in, c + a - p, b - a);
    }
}

// Between the input planes x [N, c, h, w] and the rows of channels [c0, c1) of the tile of columns
// [j0, j0 + cols) (leading dimension cols), one image-long run at a time: with to_columns the im2col (x is only
// read), else its adjoint, which adds the tile into x (the input gradient); the adjoint may overwrite col.
static void same_columns(float *x, const mv_conv_geometry *g, int64_t c0, int64_t c1, int64_t j0, int64_t cols,
                         float *col, int to_columns) {
    int64_t in_plane = g->h * g->w, image = g->c * in_plane, plane = g->oh * g->ow;
    float keep[KEEP_TABLE_FLOATS];
    int keeps = g->kw * plane <= KEEP_TABLE_FLOATS;
    if (keeps) for (int64_t kj = 0; kj < g->kw; kj++) wrap_keep(plane, g->w, kj - g->pw, keep + kj * plane);
    for (int64_t ch = c0; ch < c1; ch++) {
        for (int64_t ki = 0; ki < g->kh; ki++) {
            for (int64_t kj = 0; kj < g->kw; kj++) {
                float *row = col + (((ch - c0) * g->kh + ki) * g->kw + kj) * cols;
                same_row r = same_row_shifted(g->h, g->w, plane, ki - g->ph, kj - g->pw);
                const float *kept = keeps && r.dx != 0 ? keep + kj * plane : NULL;
                int64_t i = j0 / plane, p = j0 % plane;
                for (int64_t t = 0; t < cols; i++, p = 0) {
                    int64_t run = plane - p < cols - t ? plane - p : cols - t;
                    same_run(r, x + i * image + ch * in_plane, kept, p, p + run, row + t, to_columns);
                    t += run;
                }
            }
        }
    }
}

// The four phase planes of an h × w plane (h, w even), rows [r0, r1) of it (r0, r1 even): phases[(py * 2 + px) *
// h/2 * w/2 + i * w/2 + j] = x[(2i + py) * w + 2j + px].
static void split_phases(const float *x, int64_t h, int64_t w, int64_t r0, int64_t r1, float *phases) {
    int64_t half = w / 2, quarter = h / 2 * half;
    for (int64_t r = r0; r < r1; r++) {
        const float *src = x + r * w;
        float *even = phases + (r % 2) * 2 * quarter + r / 2 * half, *odd = even + quarter;
        int64_t j = 0;
        for (; j + VF_WIDTH <= half; j += VF_WIDTH) {
            vfloat e, o;
            vf_deinterleave(src + 2 * j, &e, &o);
            vf_store(even + j, e);
            vf_store(odd + j, o);
        }
        for (; j < half; j++) { even[j] = src[2 * j]; odd[j] = src[2 * j + 1]; }
    }
}

// Zeroes the phases of rows [r0, r1) (r0, r1 even) of an h × w plane.
static void zero_phases(int64_t h, int64_t w, int64_t r0, int64_t r1, float *phases) {
    int64_t half = w / 2, quarter = h / 2 * half;
    for (int64_t phase = 0; phase < 4; phase++) zero_span(phases + phase * quarter + r0 / 2 * half, (r1 - r0) / 2 * half);
}

// The adjoint of split_phases: adds the phases of rows [r0, r1) back into their places in x.
static void add_phases(const float *phases, int64_t h, int64_t w, int64_t r0, int64_t r1, float *x) {
    int64_t half = w / 2, quarter = h / 2 * half;
    for (int64_t r = r0; r < r1; r++) {
        float *dst = x + r * w;
        const float *even = phases + (r % 2) * 2 * quarter + r / 2 * half, *odd = even + quarter;
        for (int64_t j = 0; j < half; j++) { dst[2 * j] += even[j]; dst[2 * j + 1] += odd[j]; }
    }
}

// ⌊a / 2⌋ for any sign of a.
MV_INLINE int64_t floor_half(int64_t a) { return (a - (a % 2 + 2) % 2) / 2; }

// Stride 2 with outputs half as high and wide as the inputs (the downsamplers: 3×3 with pad 1, or the VQ's pad on
// the right and bottom only): output (oy, ox) reads input (2oy + a, 2ox + b), a = ki - ph, b = kj - pw, which is
// element (oy + ⌊a/2⌋, ox + ⌊b/2⌋) of the phase plane of the rows ≡ a and columns ≡ b (mod 2), an oh × ow plane.
// Each (image, channel) plane is split into its phases once per run of output positions, only the rows that run
// reads (a tile that ends inside an image split the whole plane, and a 64×64 map's im2col took 1.6× as long with
// 688-column tiles as with one tile per image), and every kernel row is then a shifted copy of a phase plane with
// long runs, as in same_columns (read one float at a time instead, the runs of 8×8 outputs were 4-8 floats long).
// The adjoint adds into zeroed phases and adds those back into x. Phase entries outside the split rows are read or
// written only at wrapped positions: the copies give zeros there and the adds add nothing or zeros, and only the
// split rows are added back. Returns 0, having done nothing, when the
// phases' scratch cannot be allocated.
static int strided_columns(float *x, const mv_conv_geometry *g, int64_t c0, int64_t c1, int64_t j0, int64_t cols,
                           float *col, int to_columns) {
    int64_t in_plane = g->h * g->w, image = g->c * in_plane, plane = g->oh * g->ow;
    float *phases = malloc(sizeof(float) * (size_t)in_plane);
    if (!phases) return 0;
    // Kernel column kj reads its phase plane at the column shift ⌊(kj - pw)/2⌋.
    float keep[KEEP_TABLE_FLOATS];
    int keeps = g->kw * plane <= KEEP_TABLE_FLOATS;
    for (int64_t kj = 0; keeps && kj < g->kw; kj++) wrap_keep(plane, g->ow, floor_half(kj - g->pw), keep + kj * plane);
    // Output row oy reads the phase rows oy + ⌊a/2⌋ for a in [-ph, kh - 1 - ph].
    int64_t above = floor_half(-g->ph), below = floor_half(g->kh - 1 - g->ph);
    for (int64_t ch = c0; ch < c1; ch++) {
        int64_t i = j0 / plane, p = j0 % plane;
        for (int64_t t = 0; t < cols; i++, p = 0) {
            int64_t run = plane - p < cols - t ? plane - p : cols - t;
            int64_t first = p / g->ow + above, last = (p + run - 1) / g->ow + below + 1;
            int64_t r0 = 2 * (first > 0 ? first : 0), r1 = 2 * (last < g->oh ? last : g->oh);
            float *source = x + i * image + ch * in_plane;
            if (to_columns) split_phases(source, g->h, g->w, r0, r1, phases);
            else zero_phases(g->h, g->w, r0, r1, phases);
            for (int64_t ki = 0; ki < g->kh; ki++) {
                for (int64_t kj = 0; kj < g->kw; kj++) {
                    int64_t dy = floor_half(ki - g->ph), dx = floor_half(kj - g->pw);
                    int64_t py = ki - g->ph - 2 * dy, px = kj - g->pw - 2 * dx; // the phase: the row and column parity
                    float *row = col + (((ch - c0) * g->kh + ki) * g->kw + kj) * cols;
                    same_row r = same_row_shifted(g->oh, g->ow, plane, dy, dx);
                    const float *kept = keeps && r.dx != 0 ? keep + kj * plane : NULL;
                    same_run(r, phases + (py * 2 + px) * plane, kept, p, p + run, row + t, to_columns);
                }
            }
            if (!to_columns) add_phases(phases, g->h, g->w, r0, r1, source);
            t += run;
        }
    }
    free(phases);
    return 1;
}

// Outputs narrower than this take gathered_columns when its tables fit (on the stack: an entry per output position
// and kernel tap, a float per input position with its padding). On 8×8 outputs strided_columns was faster (1.1× the
// im2col, 1.7× the adjoint; 64 channels of 16×16 maps), on 4×4 outputs slower (below).
#define GATHER_MAX_WIDTH 8
#define GATHER_TABLE_ENTRIES 2304
#define GATHER_PADDED_FLOATS 2048

// Any stride and padding on narrow outputs (the UNet downsampler's 4×4 maps): each (image, channel) plane is copied
// into a zero-bordered one, and every kernel tap's row of the tile is then read from it through a table of offsets
// made once per call, without a test per position. strided_columns' runs on a 4×4 output are 4 floats long: in a
// one-core test program (128 channels of 8×8 maps, stride 2, Zen 2) it built the tile in 81 µs, this in 44, and the
// adjoints took 78 and 63 µs. The adjoint adds each tap's row into a zeroed bordered plane, then its interior into
// x. Returns 0, having done nothing, when the tables would not fit.
static int gathered_columns(float *x, const mv_conv_geometry *g, int64_t c0, int64_t c1, int64_t j0, int64_t cols,
                            float *col, int to_columns) {
    int64_t in_plane = g->h * g->w, image = g->c * in_plane, plane = g->oh * g->ow, taps = g->kh * g->kw;
    // The bordered plane: the input at rows [ph, ph + h) and columns [pw, pw + w), zeros around it as far as any tap reads.
    int64_t rows = (g->oh - 1) * g->sh + g->kh, width = (g->ow - 1) * g->sw + g->kw;
    if (rows < g->ph + g->h) rows = g->ph + g->h;
    if (width < g->pw + g->w) width = g->pw + g->w;
    if (taps * plane > GATHER_TABLE_ENTRIES || rows * width > GATHER_PADDED_FLOATS) return 0;
    int32_t offsets[GATHER_TABLE_ENTRIES];
    for (int64_t ki = 0; ki < g->kh; ki++) {
        for (int64_t kj = 0; kj < g->kw; kj++) {
            int32_t *o = offsets + (ki * g->kw + kj) * plane;
            for (int64_t oy = 0; oy < g->oh; oy++) {
                for (int64_t ox = 0; ox < g->ow; ox++) o[oy * g->ow + ox] = (int32_t)((oy * g->sh + ki) * width + ox * g->sw + kj);
            }
        }
    }
    float bordered[GATHER_PADDED_FLOATS];
    zero_span(bordered, rows * width);
    float *inside = bordered + g->ph * width + g->pw;
    for (int64_t ch = c0; ch < c1; ch++) {
        int64_t i = j0 / plane, p = j0 % plane;
        for (int64_t t = 0; t < cols; i++, p = 0) {
            int64_t run = plane - p < cols - t ? plane - p : cols - t;
            float *source = x + i * image + ch * in_plane;
            if (to_columns) for (int64_t r = 0; r < g->h; r++) copy_span(inside + r * width, source + r * g->w, g->w);
            else zero_span(bordered, rows * width);
            for (int64_t tap = 0; tap < taps; tap++) {
                float *row = col + ((ch - c0) * taps + tap) * cols + t;
                const int32_t *o = offsets + tap * plane + p;
                if (to_columns) for (int64_t q = 0; q < run; q++) row[q] = bordered[o[q]];
                else for (int64_t q = 0; q < run; q++) bordered[o[q]] += row[q];
            }
            if (!to_columns) for (int64_t r = 0; r < g->h; r++) add_span(source + r * g->w, inside + r * width, g->w);
            t += run;
        }
    }
    return 1;
}

// Between the input planes x [N, c, h, w] and the rows of channels [c0, c1) of the tile of columns
// [j0, j0 + cols) (leading dimension cols), one output row's run at a time: with to_columns the im2col (x is only
// read), else its adjoint, which adds the tile into x (the input gradient). Stride 1 with outputs as wide as the
// inputs takes same_columns, narrow outputs gathered_columns, stride 2 with outputs half the inputs' size
// strided_columns.
static void conv_columns(float *x, const mv_conv_geometry *g, int64_t c0, int64_t c1, int64_t j0, int64_t cols,
                         float *col, int to_columns) {
    if (g->sh == 1 && g->sw == 1 && g->ow == g->w) {
        same_columns(x, g, c0, c1, j0, cols, col, to_columns);
        return;
    }
    if (g->ow < GATHER_MAX_WIDTH && gathered_columns(x, g, c0, c1, j0, cols, col, to_columns)) return;
    if (g->sh == 2 && g->sw == 2 && g->h == 2 * g->oh && g->w == 2 * g->ow &&
        strided_columns(x, g, c0, c1, j0, cols, col, to_columns)) return;
    int64_t image = g->c * g->h * g->w;
    conv_position start = position_of(g, j0);
    for (int64_t ch = c0; ch < c1; ch++) {
        for (int64_t ki = 0; ki < g->kh; ki++) {
            for (int64_t kj = 0; kj < g->kw; kj++) {
                float *row = col + (((ch - c0) * g->kh + ki) * g->kw + kj) * cols;
                int64_t lo, hi;
                valid_columns(g, kj, &lo, &hi);
                conv_position at = start;
                for (int64_t t = 0; t < cols; next_output_row(g, &at)) {
                    int64_t ox0 = at.ox, run = g->ow - ox0 < cols - t ? g->ow - ox0 : cols - t, ox1 = ox0 + run;
                    float *c = row + t; // c[ox - ox0]
                    int64_t iy = at.oy * g->sh - g->ph + ki;
                    t += run;
                    if (iy < 0 || iy >= g->h) {
                        if (to_columns) zero_span(c, run);
                        continue;
                    }
                    // [a, b): the run's columns inside the input row, one span (with zero fringes in the columns);
                    // column ox reads in[ox * sw + shift].
                    int64_t a = lo > ox0 ? lo : ox0, b = hi < ox1 ? hi : ox1, shift = kj - g->pw;
                    if (a > ox1) a = ox1;
                    if (b < a) b = a;
                    float *in = x + at.image * image + (ch * g->h + iy) * g->w;
                    if (to_columns) {
                        zero_span(c, a - ox0);
                        if (g->sw == 1) copy_span(c + a - ox0, in + a + shift, b - a);
                        else for (int64_t ox = a; ox < b; ox++) c[ox - ox0] = in[ox * g->sw + shift];
                        zero_span(c + b - ox0, ox1 - b);
                    } else {
                        if (g->sw == 1) add_span(in + a + shift, c + a - ox0, b - a);
                        else for (int64_t ox = a; ox < b; ox++) in[ox * g->sw + shift] += c[ox - ox0];
                    }
                }
            }
        }
    }
}

// Columns [j0, j0 + cols) of the column matrix, rows of channels [c0, c1) only, into col (leading
// dimension cols). x is the batch [N, c, h, w].
static void im2col(const float *x, const mv_conv_geometry *g, int64_t c0, int64_t c1, int64_t j0, int64_t cols, float *col) {
    conv_columns((float *)x, g, c0, c1, j0, cols, col, 1); // only read in this direction
}

// The adjoint of im2col: adds the tile's rows of channels [c0, c1) into the input gradient gx [N, c, h, w].
// col is scratch that this may overwrite.
static void col2im(float *col, const mv_conv_geometry *g, int64_t c0, int64_t c1, int64_t j0, int64_t cols, float *gx) {
    conv_columns(gx, g, c0, c1, j0, cols, col, 0);
}

// Writes a GEMM's output tile [rows, cols] (leading dimension ld) to its place in y, whose images are
// image_stride floats apart and hold `rows` planes from y on, adding bias[r] (when given) to row r. The tile may
// be y itself (a tile inside one image, computed in place): every element is read before it is written, at the
// same address.
static void columns_to_planes(const float *tile, int64_t ld, const float *bias, int64_t rows, int64_t plane,
                              int64_t image_stride, int64_t j0, int64_t cols, float *y) {
    for (int64_t r = 0; r < rows; r++) {
        vfloat b = vf_set1(bias ? bias[r] : 0.0f);
        const float *src = tile + r * ld;
        int64_t i = j0 / plane, p = j0 % plane;
        for (int64_t t = 0; t < cols; i++, p = 0) {
            int64_t run = plane - p < cols - t ? plane - p : cols - t;
            float *dst = y + i * image_stride + r * plane + p;
            int64_t k = 0;
            for (; k + VF_WIDTH <= run; k += VF_WIDTH) vf_store(dst + k, vf_add(vf_load(src + t + k), b));
            if (k < run) vf_store_partial(dst + k, vf_add(vf_load_partial(src + t + k, run - k, 0.0f), b), run - k);
            t += run;
        }
    }
}

// sums[r] += the sum (in double) of row r of x [rows, cols] with leading dimension ld: a bias gradient
// accumulated tile by tile.
static void row_sums(const float *x, int64_t ld, int64_t rows, int64_t cols, float *sums) {
    for (int64_t r = 0; r < rows; r++) sums[r] += (float)sum_all(x + r * ld, cols);
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
