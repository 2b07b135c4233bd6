// Every kernel that has a variant per instruction set, once: the dispatch table's fields
// (kernel_table.h), the public mv_* entry points that forward to the active table (simd_dispatch.c) and
// each variant's table (body/variant.h) are all generated from this list, so they cannot drift
// apart; the compiler checks each entry against its prototype in include/CKernels.h.
//   MV_KERNEL(name, parameters, arguments)                         returns nothing
//   MV_KERNEL_RETURNING(type, name, parameters, arguments)         returns a value
// This file has no include guard: it is expanded once per use, with the two macros defined for that use.

// elementwise (body/elementwise.h)
MV_KERNEL(binary_contiguous, (int op, const float *a, const float *b, float *out, int64_t n), (op, a, b, out, n))
MV_KERNEL(binary_scalar_rhs, (int op, const float *a, float s, float *out, int64_t n), (op, a, s, out, n))
MV_KERNEL(binary_scalar_lhs, (int op, float s, const float *b, float *out, int64_t n), (op, s, b, out, n))
MV_KERNEL(binary_strided, (int op, int ndim, const int64_t *shape, const float *a, const int64_t *astrides,
                           const float *b, const int64_t *bstrides, float *out),
          (op, ndim, shape, a, astrides, b, bstrides, out))
MV_KERNEL(binary_backward, (int op, int which_input, int ndim, const int64_t *shape, const float *a, const int64_t *astrides,
                            const float *b, const int64_t *bstrides, const float *gy, float *gx),
          (op, which_input, ndim, shape, a, astrides, b, bstrides, gy, gx))
MV_KERNEL(unary, (int op, const float *x, float *y, int64_t n), (op, x, y, n))
MV_KERNEL(unary_backward, (int op, const float *x, const float *y, const float *gy, float *gx, int64_t n), (op, x, y, gy, gx, n))
MV_KERNEL(unary_with_derivative, (int op, const float *x, float *y, float *d, int64_t n), (op, x, y, d, n))
MV_KERNEL(geglu, (const float *x, float *out, int64_t rows, int64_t d), (x, out, rows, d))
MV_KERNEL(geglu_backward, (const float *x, const float *gy, float *gx, int64_t rows, int64_t d), (x, gy, gx, rows, d))
MV_KERNEL(pow_scalar, (const float *x, float p, float *y, int64_t n), (x, p, y, n))
MV_KERNEL(pow_scalar_backward, (const float *x, float p, const float *gy, float *gx, int64_t n), (x, p, gy, gx, n))
MV_KERNEL(clamp, (const float *x, float lo, float hi, float *y, int64_t n), (x, lo, hi, y, n))
MV_KERNEL(clamp_backward, (const float *x, float lo, float hi, const float *gy, float *gx, int64_t n), (x, lo, hi, gy, gx, n))
MV_KERNEL(where, (const float *cond, const float *a, const float *b, float *out, int64_t n), (cond, a, b, out, n))
MV_KERNEL(fill, (float *x, float v, int64_t n), (x, v, n))
MV_KERNEL(copy, (const float *src, float *dst, int64_t n), (src, dst, n))
MV_KERNEL(add_inplace, (float *dst, const float *src, int64_t n), (dst, src, n))
MV_KERNEL(axpy, (float alpha, const float *x, float *y, int64_t n), (alpha, x, y, n))
MV_KERNEL(scale_inplace, (float *x, float s, int64_t n), (x, s, n))
MV_KERNEL(copy_strided, (int ndim, const int64_t *shape, const float *src, const int64_t *strides, float *dst),
          (ndim, shape, src, strides, dst))
MV_KERNEL(scatter_strided, (int ndim, const int64_t *shape, const float *src, float *dst, const int64_t *strides, int accumulate),
          (ndim, shape, src, dst, strides, accumulate))

// reductions (body/reduce.h)
MV_KERNEL(reduce_sum, (const float *x, int64_t outer, int64_t r, int64_t inner, float *out), (x, outer, r, inner, out))
MV_KERNEL(reduce_max, (const float *x, int64_t outer, int64_t r, int64_t inner, float *out, float *argmax, int is_min),
          (x, outer, r, inner, out, argmax, is_min))
MV_KERNEL(reduce_var, (const float *x, int64_t outer, int64_t r, int64_t inner, int64_t correction, float *out),
          (x, outer, r, inner, correction, out))
MV_KERNEL_RETURNING(double, sum_all, (const float *x, int64_t n), (x, n))
MV_KERNEL_RETURNING(double, sum_squares, (const float *x, int64_t n), (x, n))
MV_KERNEL_RETURNING(int, all_finite, (const float *x, int64_t n), (x, n))

// softmax (body/softmax.h)
MV_KERNEL(softmax_rows, (const float *x, float *y, int64_t rows, int64_t cols, float scale), (x, y, rows, cols, scale))
MV_KERNEL(log_softmax_rows, (const float *x, float *y, int64_t rows, int64_t cols), (x, y, rows, cols))
MV_KERNEL(softmax_backward_rows, (const float *y, const float *gy, float *gx, int64_t rows, int64_t cols, float scale),
          (y, gy, gx, rows, cols, scale))
MV_KERNEL(log_softmax_backward_rows, (const float *y, const float *gy, float *gx, int64_t rows, int64_t cols), (y, gy, gx, rows, cols))

// attention (body/attention.h)
MV_KERNEL(attention_scores, (const float *a, int64_t lda, const float *b, int64_t ldb, float *s, int64_t lds,
                             int64_t rows, int64_t cols, int64_t d, float *bt),
          (a, lda, b, ldb, s, lds, rows, cols, d, bt))

// normalisation (body/norm.h)
MV_KERNEL(layernorm_forward, (const float *x, const float *w, const float *b, float *y, float *mean, float *rstd,
                              int64_t rows, int64_t cols, float eps),
          (x, w, b, y, mean, rstd, rows, cols, eps))
MV_KERNEL(layernorm_backward, (const float *x, const float *gy, const float *w, const float *mean, const float *rstd,
                               float *gx, float *gw, float *gb, int64_t rows, int64_t cols),
          (x, gy, w, mean, rstd, gx, gw, gb, rows, cols))
MV_KERNEL(groupnorm_forward, (const float *x, const float *w, const float *b, float *y, float *mean, float *rstd,
                              int64_t n, int64_t c, int64_t hw, int64_t groups, int64_t g0, int64_t g1, float eps, int silu),
          (x, w, b, y, mean, rstd, n, c, hw, groups, g0, g1, eps, silu))
MV_KERNEL(groupnorm_backward, (const float *x, const float *gy, const float *w, const float *b, const float *mean,
                               const float *rstd, float *gx, float *gw, float *gb, int64_t n, int64_t c, int64_t hw,
                               int64_t groups, int64_t g0, int64_t g1, int silu),
          (x, gy, w, b, mean, rstd, gx, gw, gb, n, c, hw, groups, g0, g1, silu))

// convolution and resampling helpers (body/conv.h)
MV_KERNEL(im2col, (const float *x, const mv_conv_geometry *g, int64_t c0, int64_t c1, int64_t j0, int64_t cols, float *col),
          (x, g, c0, c1, j0, cols, col))
MV_KERNEL(col2im, (float *col, const mv_conv_geometry *g, int64_t c0, int64_t c1, int64_t j0, int64_t cols, float *gx),
          (col, g, c0, c1, j0, cols, gx))
MV_KERNEL(columns_to_planes, (const float *tile, int64_t ld, const float *bias, int64_t rows, int64_t plane,
                              int64_t image_stride, int64_t j0, int64_t cols, float *y),
          (tile, ld, bias, rows, plane, image_stride, j0, cols, y))
MV_KERNEL(row_sums, (const float *x, int64_t ld, int64_t rows, int64_t cols, float *sums), (x, ld, rows, cols, sums))
MV_KERNEL(set_rows, (float *y, const float *row, int64_t rows, int64_t cols), (y, row, rows, cols))
MV_KERNEL(row_bias_grad, (const float *gy, float *gbias, int64_t rows, int64_t cols), (gy, gbias, rows, cols))
MV_KERNEL(upsample_nearest2x, (const float *x, float *y, int64_t planes, int64_t h, int64_t w), (x, y, planes, h, w))
MV_KERNEL(upsample_nearest2x_backward, (const float *gy, float *gx, int64_t planes, int64_t h, int64_t w), (gy, gx, planes, h, w))
MV_KERNEL(pad2d, (const float *x, float *y, int64_t planes, int64_t h, int64_t w,
                  int64_t top, int64_t bottom, int64_t left, int64_t right, float value),
          (x, y, planes, h, w, top, bottom, left, right, value))
MV_KERNEL(pad2d_backward, (const float *gy, float *gx, int64_t planes, int64_t h, int64_t w,
                           int64_t top, int64_t bottom, int64_t left, int64_t right),
          (gy, gx, planes, h, w, top, bottom, left, right))

// the convolutions' matrix product (body/panel_product.h)
MV_KERNEL(panel_product, (const float *a, int64_t a_row_stride, int64_t a_inner_stride, int64_t m, int64_t k, mv_columns b,
                          int64_t n, const float *bias, mv_columns c, float *scratch),
          (a, a_row_stride, a_inner_stride, m, k, b, n, bias, c, scratch))
// Winograd F(2x2, 3x3) transforms (body/winograd.h)
MV_KERNEL(winograd_input_tiles, (const float *x, int64_t channels, int64_t h, int64_t w, int64_t c0, int64_t c1, int64_t t0,
                                 int64_t tiles, float *v),
          (x, channels, h, w, c0, c1, t0, tiles, v))
MV_KERNEL(winograd_output_tiles, (const float *m, int64_t channels, int64_t h, int64_t w, const float *bias, int64_t t0,
                                  int64_t tiles, float *y),
          (m, channels, h, w, bias, t0, tiles, y))
MV_KERNEL(winograd_gradient_tiles, (const float *gy, int64_t channels, int64_t h, int64_t w, int64_t c0, int64_t c1,
                                    int64_t t0, int64_t tiles, float *dm),
          (gy, channels, h, w, c0, c1, t0, tiles, dm))
MV_KERNEL(winograd_weights, (const float *w, int64_t o, int64_t c, int adjoint, float *u), (w, o, c, adjoint, u))
MV_KERNEL(winograd_weight_gradient, (const float *du, int64_t o, int64_t c, float *gw), (du, o, c, gw))
// direct convolutions of thin layers (body/direct_conv.h)
MV_KERNEL(conv_direct, (const float *src, int64_t c, int64_t h, int64_t w, const float *weight, const float *bias, int64_t o,
                        int64_t kh, int64_t kw, int64_t pt, int64_t pl, int64_t oh, int64_t ow, float *dst),
          (src, c, h, w, weight, bias, o, kh, kw, pt, pl, oh, ow, dst))
MV_KERNEL(conv_direct_weight_gradient, (const float *x, const float *gy, int64_t n, int64_t c, int64_t h, int64_t w, int64_t o,
                                        int64_t o0, int64_t o1, int64_t c0, int64_t c1, int64_t kh, int64_t kw, int64_t pt,
                                        int64_t pl, int64_t oh, int64_t ow, float *gw),
          (x, gy, n, c, h, w, o, o0, o1, c0, c1, kh, kw, pt, pl, oh, ow, gw))

// optimizers (body/optim.h)
MV_KERNEL(adam_step, (float *p, const float *g, float *m, float *v, int64_t n, float lr, double beta1, double beta2,
                      float eps, float weight_decay, int decoupled, double bias_correction1, double bias_correction2),
          (p, g, m, v, n, lr, beta1, beta2, eps, weight_decay, decoupled, bias_correction1, bias_correction2))
MV_KERNEL(sgd_step, (float *p, const float *g, float *buf, int64_t n, float lr, float momentum, float dampening,
                     float weight_decay, int nesterov, int first_step),
          (p, g, buf, n, lr, momentum, dampening, weight_decay, nesterov, first_step))
MV_KERNEL(ema_update, (float *shadow, const float *p, int64_t n, float decay), (shadow, p, n, decay))
