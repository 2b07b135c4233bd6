// CKernels: the memory-bound loops of MindTensor (DESIGN.md §4). Every function works on contiguous
// float32 buffers whose sizes the Swift caller has already validated; nothing here can fail.
// The kernels exist in instruction-set variants (portable C everywhere; AVX2+FMA and AVX-512 on x86-64
// Linux), built without compiler flags; one is chosen at start-up and can be switched (below).
#ifndef MINDVIS_CKERNELS_H
#define MINDVIS_CKERNELS_H

#include <stdint.h>

// ---- instruction-set variants ------------------------------------------------------------------

// At start-up every kernel runs the best variant this CPU runs, or the one the environment variable
// MINDVIS_SIMD names ("scalar", "avx2", "avx512") if the CPU runs that one.
typedef enum { MV_SIMD_SCALAR = 0, MV_SIMD_AVX2 = 1, MV_SIMD_AVX512 = 2, MV_SIMD_PATH_COUNT = 3 } mv_simd_path;

int mv_simd_path_named(const char *name);          // the path of that name, or -1
int mv_simd_path_compiled(int path);               // 1 if this build has the variant
int mv_simd_path_supported(int path);              // 1 if this build has it and this CPU and OS run it
int mv_simd_best_path(void);                       // the widest supported path
int mv_simd_active_path(void);
// Switches every kernel to `path` (for tests and benchmarks, while no kernel runs on another thread);
// returns 0, or -1 and changes nothing when the path is not supported.
int mv_simd_use_path(int path);

// ---- threading ---------------------------------------------------------------------------------

// Depth of parallel regions the calling thread is a worker of (thread-local; 0 on a free thread).
void mv_region_enter(void);
void mv_region_leave(void);
int mv_region_depth(void);

// Runs body(context, w) for w in [0, workers), each inside a region (mv_region_depth): w = 0 on the calling thread, the
// others on whichever of the caller and the persistent helper threads (pool.c) claims them first. Returns when all
// have finished. A region started while another runs (from
// a second thread) runs every share on its caller, in order.
typedef void (*mv_pool_body)(void *context, int64_t worker);
#define MV_POOL_MAX_WORKERS 8
void mv_pool_run(int64_t workers, mv_pool_body body, void *context);

// ---- elementwise -------------------------------------------------------------------------------

typedef enum {
    MV_ADD = 0, MV_SUB, MV_MUL, MV_DIV, MV_POW, MV_MAXIMUM, MV_MINIMUM,
    MV_EQ, MV_NE, MV_LT, MV_LE, MV_GT, MV_GE
} mv_binary_op;

typedef enum {
    MV_NEG = 0, MV_EXP, MV_LOG, MV_SQRT, MV_ABS, MV_TANH, MV_SIGMOID, MV_RELU, MV_SILU,
    MV_GELU_ERF, MV_GELU_TANH, MV_SIN, MV_COS, MV_SIGN
} mv_unary_op;

// Maximum rank handled by the strided kernels; Swift checks ranks before calling.
#define MV_MAX_DIMS 8

void mv_binary_contiguous(int op, const float *a, const float *b, float *out, int64_t n);
void mv_binary_scalar_rhs(int op, const float *a, float s, float *out, int64_t n);
void mv_binary_scalar_lhs(int op, float s, const float *b, float *out, int64_t n);
// out is contiguous with `shape`; a and b are read through (possibly zero) element strides.
void mv_binary_strided(int op, int ndim, const int64_t *shape,
                       const float *a, const int64_t *astrides,
                       const float *b, const int64_t *bstrides, float *out);
// Gradient helpers of the binary ops: with upstream gy (contiguous like out), write the full-size
// gradient with respect to a (which_input == 0) or b (1) before any broadcast reduction.
void mv_binary_backward(int op, int which_input, int ndim, const int64_t *shape,
                        const float *a, const int64_t *astrides,
                        const float *b, const int64_t *bstrides,
                        const float *gy, float *gx);

void mv_unary(int op, const float *x, float *y, int64_t n);
// gx = gy * f'(x); y = f(x) is passed for ops whose derivative is cheapest in terms of the output.
void mv_unary_backward(int op, const float *x, const float *y, const float *gy, float *gx, int64_t n);
// y = f(x) and d = f'(x) in one pass, for activations whose derivative costs as much as the function
// (GELU, SiLU): backward is then a single multiply.
void mv_unary_with_derivative(int op, const float *x, float *y, float *d, int64_t n);
// GEGLU of rows of x [rows, 2d] = [a | g]: out [rows, d] = a * GELU(g) (exact GELU); backward writes
// gx [rows, 2d] = [gy * GELU(g) | gy * a * GELU'(g)].
void mv_geglu(const float *x, float *out, int64_t rows, int64_t d);
void mv_geglu_backward(const float *x, const float *gy, float *gx, int64_t rows, int64_t d);
void mv_pow_scalar(const float *x, float p, float *y, int64_t n);
void mv_pow_scalar_backward(const float *x, float p, const float *gy, float *gx, int64_t n);
void mv_clamp(const float *x, float lo, float hi, float *y, int64_t n);
void mv_clamp_backward(const float *x, float lo, float hi, const float *gy, float *gx, int64_t n);
void mv_where(const float *cond, const float *a, const float *b, float *out, int64_t n);

void mv_fill(float *x, float v, int64_t n);
void mv_copy(const float *src, float *dst, int64_t n);
void mv_add_inplace(float *dst, const float *src, int64_t n);     // dst += src
void mv_axpy(float alpha, const float *x, float *y, int64_t n);    // y += alpha * x
void mv_scale_inplace(float *x, float s, int64_t n);
// Gathers a strided view into a contiguous buffer.
void mv_copy_strided(int ndim, const int64_t *shape, const float *src, const int64_t *strides, float *dst);
// Scatters a contiguous buffer into a strided view (dst[view] += src when accumulate != 0).
void mv_scatter_strided(int ndim, const int64_t *shape, const float *src, float *dst, const int64_t *strides, int accumulate);

// ---- reductions over a [outer, r, inner] view (accumulated in double) -------------------------

void mv_reduce_sum(const float *x, int64_t outer, int64_t r, int64_t inner, float *out);
void mv_reduce_max(const float *x, int64_t outer, int64_t r, int64_t inner, float *out, float *argmax, int is_min);
// Unbiased (correction = 1) or population (correction = 0) variance along r.
void mv_reduce_var(const float *x, int64_t outer, int64_t r, int64_t inner, int64_t correction, float *out);
double mv_sum_all(const float *x, int64_t n);
double mv_sum_squares(const float *x, int64_t n);
int mv_all_finite(const float *x, int64_t n);

// ---- softmax over contiguous rows ---------------------------------------------------------------

void mv_softmax_rows(const float *x, float *y, int64_t rows, int64_t cols, float scale);
void mv_log_softmax_rows(const float *x, float *y, int64_t rows, int64_t cols);
void mv_softmax_backward_rows(const float *y, const float *gy, float *gx, int64_t rows, int64_t cols, float scale);
void mv_log_softmax_backward_rows(const float *y, const float *gy, float *gx, int64_t rows, int64_t cols);

// ---- attention ----------------------------------------------------------------------------------

// Columns of one register panel of mv_attention_scores in the widest variant (2 x 16 lanes).
#define MV_ATTENTION_PANEL 32

// Floats of scratch mv_attention_scores needs for inner size d and `cols` columns, in every variant.
static inline int64_t mv_attention_scores_scratch(int64_t d, int64_t cols) {
    return d * ((cols + MV_ATTENTION_PANEL - 1) / MV_ATTENTION_PANEL * MV_ATTENTION_PANEL);
}

// s[i, j] = sum_k a[i, k] * b[j, k] for rows x cols, inner size d (row-major a, b with leading dimensions
// lda, ldb). `bt` is scratch of at least mv_attention_scores_scratch(d, cols) floats.
void mv_attention_scores(const float *a, int64_t lda, const float *b, int64_t ldb, float *s, int64_t lds,
                         int64_t rows, int64_t cols, int64_t d, float *bt);

// ---- normalisation ------------------------------------------------------------------------------

void mv_layernorm_forward(const float *x, const float *w, const float *b, float *y,
                          float *mean, float *rstd, int64_t rows, int64_t cols, float eps);
// gx is written; gw and gb (may be NULL) are accumulated.
void mv_layernorm_backward(const float *x, const float *gy, const float *w, const float *mean, const float *rstd,
                           float *gx, float *gw, float *gb, int64_t rows, int64_t cols);
// Group norm of x [n, c, hw] for the groups [g0, g1) of every sample (mean and rstd are [n, groups]), followed by
// SiLU when silu != 0; disjoint ranges of groups write disjoint outputs, so workers split a call by groups. In
// backward gx is written (it must be given when silu != 0: it holds the SiLU's gradient on the way); gw and gb
// (may be NULL) are accumulated.
void mv_groupnorm_forward(const float *x, const float *w, const float *b, float *y, float *mean, float *rstd,
                          int64_t n, int64_t c, int64_t hw, int64_t groups, int64_t g0, int64_t g1, float eps, int silu);
void mv_groupnorm_backward(const float *x, const float *gy, const float *w, const float *b, const float *mean,
                           const float *rstd, float *gx, float *gw, float *gb, int64_t n, int64_t c, int64_t hw,
                           int64_t groups, int64_t g0, int64_t g1, int silu);

// ---- convolution helpers (NCHW) ----------------------------------------------------------------

// A 2-D convolution's shape: input channels and size, kernel, stride, top/left padding (bottom/right follow
// from the output size), output size.
typedef struct {
    int64_t c, h, w;
    int64_t kh, kw;
    int64_t sh, sw;
    int64_t ph, pw;
    int64_t oh, ow;
} mv_conv_geometry;

// The batch's column matrix has rows (ch, ki, kj) and columns j = image*oh*ow + oy*ow + ox. im2col writes
// columns [j0, j0 + cols) of the rows of channels [c0, c1) into col [(c1-c0)*kh*kw, cols] from x [N, c, h, w];
// col2im adds such a tile into gx [N, c, h, w], using col as scratch (it may zero entries that fall into padding).
void mv_im2col(const float *x, const mv_conv_geometry *g, int64_t c0, int64_t c1, int64_t j0, int64_t cols, float *col);
void mv_col2im(float *col, const mv_conv_geometry *g, int64_t c0, int64_t c1, int64_t j0, int64_t cols, float *gx);
// y[image*image_stride + r*plane + p] = tile[r, t] (+ bias[r]) for the columns j0 + t = image*plane + p of an
// output tile with leading dimension ld; the tile may be y's own storage of those columns (then bias is added in
// place).
void mv_columns_to_planes(const float *tile, int64_t ld, const float *bias, int64_t rows, int64_t plane,
                          int64_t image_stride, int64_t j0, int64_t cols, float *y);
// Where a product's operand or result lies: column j of row r is at
// base + (J / plane)·image_stride + r·row_stride + J % plane, J = first + j. An NCHW batch seen as [channels, N·H·W]
// is {x, first column, H·W, C·H·W, H·W}; a row-major tile with leading dimension ld is {t, 0, INT64_MAX, 0, ld}.
typedef struct {
    float *base;
    int64_t first, plane, image_stride, row_stride;
} mv_columns;
// Columns of mv_panel_product's scratch are counted in panels of this many (AVX-512's two 16-float vectors).
#define MV_PANEL_MAX_COLUMNS 32
// C[i][j] = sum_r A[i][r]·B[r][j] (+ bias[i]) for i < m, j < n, r < k, A[i][r] = a[i·a_row_stride + r·a_inner_stride].
// C must not overlap A or B. scratch holds k·n' floats, n' = n
// rounded up to a multiple of MV_PANEL_MAX_COLUMNS.
void mv_panel_product(const float *a, int64_t a_row_stride, int64_t a_inner_stride, int64_t m, int64_t k, mv_columns b,
                      int64_t n, const float *bias, mv_columns c, float *scratch);
// sums[r] += sum of row r of x [rows, cols] (leading dimension ld), summed in double.
void mv_row_sums(const float *x, int64_t ld, int64_t rows, int64_t cols, float *sums);
void mv_set_rows(float *y, const float *row, int64_t rows, int64_t cols);     // every row of y = row
void mv_row_bias_grad(const float *gy, float *gbias, int64_t rows, int64_t cols);
// Winograd F(2x2, 3x3) for 3x3 stride-1 pad-1 convolutions of maps h x w (body/winograd.h). Tiles are the output's
// 2x2 blocks, numbered t = image*th*tw + ty*tw + tx over the batch; a block of tiles [t0, t0 + tiles) is stored as
// 16 matrices [channels, tiles]. input_tiles: V = Bt d B of channels [c0, c1) of x [N, channels, h, w];
// output_tiles: y [N, channels, h, w] = At M A (+ bias); gradient_tiles: dM = A dY At of channels [c0, c1) of gy
// (in the block's layout for all channels, as input_tiles); weights: U = G g Gt of w [o, c, 3, 3] into u [16, o, c] (adjoint: the input
// gradient's kernels, u [16, c, o]); weight_gradient: gw [o, c, 3, 3] += Gt dU G.
void mv_winograd_input_tiles(const float *x, int64_t channels, int64_t h, int64_t w, int64_t c0, int64_t c1, int64_t t0,
                             int64_t tiles, float *v);
void mv_winograd_output_tiles(const float *m, int64_t channels, int64_t h, int64_t w, const float *bias, int64_t t0,
                              int64_t tiles, float *y);
void mv_winograd_gradient_tiles(const float *gy, int64_t channels, int64_t h, int64_t w, int64_t c0, int64_t c1,
                                int64_t t0, int64_t tiles, float *dm);
void mv_winograd_weights(const float *w, int64_t o, int64_t c, int adjoint, float *u);
void mv_winograd_weight_gradient(const float *du, int64_t o, int64_t c, float *gw);
// Direct stride-1 convolutions for layers with very few channels on one side (body/direct_conv.h). conv_direct: one
// image, dst [o, oh, ow] = bias + Σ weight[o, c, ki, kj] src[c, oy - pt + ki, ox - pl + kj] (zero padding; bias may
// be NULL). conv_direct_weight_gradient: gw [o, c, kh, kw] += its weight gradient over n images, for output channels
// [o0, o1) and input channels [c0, c1).
void mv_conv_direct(const float *src, int64_t c, int64_t h, int64_t w, const float *weight, const float *bias, int64_t o,
                    int64_t kh, int64_t kw, int64_t pt, int64_t pl, int64_t oh, int64_t ow, float *dst);
void mv_conv_direct_weight_gradient(const float *x, const float *gy, int64_t n, int64_t c, int64_t h, int64_t w, int64_t o,
                                    int64_t o0, int64_t o1, int64_t c0, int64_t c1, int64_t kh, int64_t kw, int64_t pt,
                                    int64_t pl, int64_t oh, int64_t ow, float *gw);
void mv_upsample_nearest2x(const float *x, float *y, int64_t planes, int64_t h, int64_t w);
void mv_upsample_nearest2x_backward(const float *gy, float *gx, int64_t planes, int64_t h, int64_t w);
void mv_pad2d(const float *x, float *y, int64_t planes, int64_t h, int64_t w,
              int64_t top, int64_t bottom, int64_t left, int64_t right, float value);
void mv_pad2d_backward(const float *gy, float *gx, int64_t planes, int64_t h, int64_t w,
                       int64_t top, int64_t bottom, int64_t left, int64_t right);

// ---- indexing over [outer, size, inner] views ---------------------------------------------------

// out[o, k, i] = x[o, idx[o, k, i], i]   (idx already validated to lie in [0, size))
void mv_gather(const float *x, const int64_t *idx, float *out, int64_t outer, int64_t size, int64_t k, int64_t inner);
void mv_gather_backward(const float *gy, const int64_t *idx, float *gx, int64_t outer, int64_t size, int64_t k, int64_t inner);
void mv_gather_rows(const float *x, const int64_t *idx, float *out, int64_t outer, int64_t size, int64_t k, int64_t inner);
void mv_gather_rows_backward(const float *gy, const int64_t *idx, float *gx, int64_t outer, int64_t size, int64_t k, int64_t inner);
// out[o, j, i] = x[o, idx[j], i]
void mv_index_select(const float *x, const int64_t *idx, float *out, int64_t outer, int64_t size, int64_t k, int64_t inner);
void mv_index_select_backward(const float *gy, const int64_t *idx, float *gx, int64_t outer, int64_t size, int64_t k, int64_t inner);
// Stable ascending (or descending) argsort of each [outer, r, inner] fibre; writes indices as floats.
/* Returns 0, or -1 when its sort buffer (32 bytes per element of the sorted dimension) cannot be allocated. */
int mv_argsort(const float *x, float *out_idx, int64_t outer, int64_t r, int64_t inner, int descending);

// ---- optimizers (PyTorch's update rules, one fused loop per parameter) -------------------------

// decoupled != 0: AdamW (p *= 1 - lr*wd); otherwise Adam with L2 (g += wd*p).
void mv_adam_step(float *p, const float *g, float *m, float *v, int64_t n, float lr, double beta1, double beta2,
                  float eps, float weight_decay, int decoupled, double bias_correction1, double bias_correction2);
void mv_sgd_step(float *p, const float *g, float *buf, int64_t n, float lr, float momentum, float dampening,
                 float weight_decay, int nesterov, int first_step);
void mv_ema_update(float *shadow, const float *p, int64_t n, float decay);

#endif
