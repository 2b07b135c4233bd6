// The convolutions' matrix product C = A · B (+ bias), with B and C read and written where they lie (mv_columns: the
// image planes of an NCHW batch, or a tile) instead of copied into and out of a BLAS call. In a one-core test program on
// the products of 1×1 and 3×3 layers on 8×8 maps (64-128 rows, inner sizes 64-1152, 256 columns across 4 images),
// OpenBLAS with the gather and scatter around it reached 71-88 GFLOP/s on a Zen 2 core, this block of 6 rows × 2
// vectors 84-96 with its packing included. Every element is summed over the inner index in order, so results do not
// depend on how the columns are split over the workers.

#define PANEL_ROWS 6
#define PANEL_COLUMNS (2 * VF_WIDTH)
_Static_assert(PANEL_COLUMNS <= MV_PANEL_MAX_COLUMNS, "a B panel must fit the scratch that callers size");

// The address of column j (counted from layout->first) in row `row` of a layout.
MV_INLINE float *column_address(const mv_columns *layout, int64_t row, int64_t j) {
    int64_t at = layout->first + j;
    return layout->base + (at / layout->plane) * layout->image_stride + row * layout->row_stride + at % layout->plane;
}

// The columns of a run that starts at column j and stays in one image (at most `n`).
MV_INLINE int64_t run_in_image(const mv_columns *layout, int64_t j, int64_t n) {
    int64_t left = layout->plane - (layout->first + j) % layout->plane;
    return left < n ? left : n;
}

// Copies B's k rows of columns [0, n) into panels [n / PANEL_COLUMNS][k][PANEL_COLUMNS], zero past n, so the product's
// inner loop reads one contiguous stream. The runs inside one image are found once, then copied row by row (the
// divisions that locate a column cost as much as a small product when done per row and panel).
static void pack_panels(const mv_columns *b, int64_t k, int64_t n, float *panels) {
    int64_t panel_floats = k * PANEL_COLUMNS;
    for (int64_t j = 0; j < n;) {
        int64_t run = run_in_image(b, j, n - j);
        const float *first = column_address(b, 0, j);
        for (int64_t r = 0; r < k; r++) {
            const float *src = first + r * b->row_stride;
            for (int64_t t = 0; t < run;) {
                int64_t at = j + t, lane = at % PANEL_COLUMNS, count = PANEL_COLUMNS - lane < run - t ? PANEL_COLUMNS - lane : run - t;
                float *dst = panels + (at / PANEL_COLUMNS) * panel_floats + r * PANEL_COLUMNS + lane;
                int64_t s = 0;
                for (; s + VF_WIDTH <= count; s += VF_WIDTH) vf_store(dst + s, vf_load(src + t + s));
                if (s < count) vf_store_partial(dst + s, vf_load_partial(src + t + s, count - s, 0.0f), count - s);
                t += count;
            }
        }
        j += run;
    }
    int64_t lanes = n % PANEL_COLUMNS;
    if (lanes) {
        float *last = panels + (n / PANEL_COLUMNS) * panel_floats;
        for (int64_t r = 0; r < k; r++) memset(last + r * PANEL_COLUMNS + lanes, 0, (size_t)(PANEL_COLUMNS - lanes) * sizeof(float));
    }
}

// Stores one block's `rows` rows of n ≤ PANEL_COLUMNS columns from column j of C on, plus bias. Where the columns cross
// an image's edge, each run in one image is copied from the row's lanes; the runs are found once per block (their
// divisions cost as much as a small block's products when done per row).
static void store_block(vfloat acc[PANEL_ROWS][2], int64_t rows, const float *bias, const mv_columns *c, int64_t i,
                        int64_t j, int64_t n) {
    int64_t high = n > VF_WIDTH ? n - VF_WIDTH : 0, low = n - high;
    if (run_in_image(c, j, n) == n) {
        float *dst = column_address(c, i, j);
        for (int64_t r = 0; r < rows; r++, dst += c->row_stride) {
            vfloat b = vf_set1(bias ? bias[i + r] : 0.0f);
            vf_store_partial(dst, vf_add(acc[r][0], b), low);
            if (high) vf_store_partial(dst + VF_WIDTH, vf_add(acc[r][1], b), high);
        }
        return;
    }
    float *starts[PANEL_COLUMNS];
    int64_t offsets[PANEL_COLUMNS], counts[PANEL_COLUMNS], runs = 0;
    for (int64_t t = 0; t < n; runs++) {
        counts[runs] = run_in_image(c, j + t, n - t);
        starts[runs] = column_address(c, i, j + t);
        offsets[runs] = t;
        t += counts[runs];
    }
    float lanes[PANEL_COLUMNS];
    for (int64_t r = 0; r < rows; r++) {
        vfloat b = vf_set1(bias ? bias[i + r] : 0.0f);
        vf_store(lanes, vf_add(acc[r][0], b));
        vf_store(lanes + VF_WIDTH, vf_add(acc[r][1], b));
        for (int64_t u = 0; u < runs; u++) {
            float *dst = starts[u] + r * c->row_stride;
            for (int64_t s = 0; s < counts[u]; s++) dst[s] = lanes[offsets[u] + s];
        }
    }
}

// The columns packed and multiplied at a time: their panels (a quarter of a Zen 2 core's L2 cache) stay in cache
// between the packing and the product.
#define PANEL_CHUNK_FLOATS (1 << 16)

// C[i][j] = Σ_r A[i][r] · B[r][j] (+ bias[i]) for i < m, j < n, r < k; A[i][r] = a[i·a_row_stride + r·a_inner_stride].
// scratch holds k · (n rounded up to MV_PANEL_MAX_COLUMNS) floats.
static void panel_product(const float *a, int64_t a_row_stride, int64_t a_inner_stride, int64_t m, int64_t k,
                          mv_columns b, int64_t n, const float *bias, mv_columns c, float *scratch) {
    int64_t chunk = PANEL_CHUNK_FLOATS / (k * MV_PANEL_MAX_COLUMNS) * MV_PANEL_MAX_COLUMNS;
    if (chunk < MV_PANEL_MAX_COLUMNS) chunk = MV_PANEL_MAX_COLUMNS;
    for (int64_t j0 = 0; j0 < n; j0 += chunk) {
        int64_t columns = n - j0 < chunk ? n - j0 : chunk;
        mv_columns part = b;
        part.first += j0;
        pack_panels(&part, k, columns, scratch);
        for (int64_t j = 0; j < columns; j += PANEL_COLUMNS) {
            int64_t width = columns - j < PANEL_COLUMNS ? columns - j : PANEL_COLUMNS;
            const float *panels = scratch + (j / PANEL_COLUMNS) * k * PANEL_COLUMNS;
            for (int64_t i = 0; i < m; i += PANEL_ROWS) {
                int64_t rows = m - i < PANEL_ROWS ? m - i : PANEL_ROWS;
                // A short last block repeats its last row (computed, never stored), so the loop below has one shape.
                const float *row[PANEL_ROWS];
                for (int r = 0; r < PANEL_ROWS; r++) row[r] = a + (i + (r < rows ? r : rows - 1)) * a_row_stride;
                vfloat acc[PANEL_ROWS][2];
                for (int r = 0; r < PANEL_ROWS; r++) acc[r][0] = acc[r][1] = vf_zero();
                const float *panel = panels;
                for (int64_t s = 0; s < k; s++, panel += PANEL_COLUMNS) {
                    vfloat low = vf_load(panel), high = vf_load(panel + VF_WIDTH);
                    int64_t at = s * a_inner_stride;
                    for (int r = 0; r < PANEL_ROWS; r++) {
                        vfloat x = vf_set1(row[r][at]);
                        acc[r][0] = vf_fmadd(x, low, acc[r][0]);
                        acc[r][1] = vf_fmadd(x, high, acc[r][1]);
                    }
                }
                store_block(acc, rows, bias, &c, i, j0 + j, width);
            }
        }
    }
}
