// Index-driven copies (the MAE's masking: gather, index-select, argsort of the noise).
#include "CKernels.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

void mv_gather(const float *x, const int64_t *idx, float *out, int64_t outer, int64_t size, int64_t k, int64_t inner) {
    for (int64_t o = 0; o < outer; o++) {
        const float *xb = x + o * size * inner;
        for (int64_t j = 0; j < k; j++) {
            const int64_t *ib = idx + (o * k + j) * inner;
            float *ob = out + (o * k + j) * inner;
            for (int64_t i = 0; i < inner; i++) ob[i] = xb[ib[i] * inner + i];
        }
    }
}

void mv_gather_backward(const float *gy, const int64_t *idx, float *gx, int64_t outer, int64_t size, int64_t k, int64_t inner) {
    for (int64_t o = 0; o < outer; o++) {
        float *gb = gx + o * size * inner;
        for (int64_t j = 0; j < k; j++) {
            const int64_t *ib = idx + (o * k + j) * inner;
            const float *g = gy + (o * k + j) * inner;
            for (int64_t i = 0; i < inner; i++) gb[ib[i] * inner + i] += g[i];
        }
    }
}

// Gather whose index is the same along the inner dimensions (the MAE's ids[..., None].expand(B, K, D)):
// one index per row of `inner` values, so rows are copied whole.
void mv_gather_rows(const float *x, const int64_t *idx, float *out, int64_t outer, int64_t size, int64_t k, int64_t inner) {
    for (int64_t o = 0; o < outer; o++)
        for (int64_t j = 0; j < k; j++)
            memcpy(out + (o * k + j) * inner, x + (o * size + idx[o * k + j]) * inner, (size_t)inner * sizeof(float));
}

void mv_gather_rows_backward(const float *gy, const int64_t *idx, float *gx, int64_t outer, int64_t size, int64_t k, int64_t inner) {
    for (int64_t o = 0; o < outer; o++)
        for (int64_t j = 0; j < k; j++)
            mv_add_inplace(gx + (o * size + idx[o * k + j]) * inner, gy + (o * k + j) * inner, inner);
}

void mv_index_select(const float *x, const int64_t *idx, float *out, int64_t outer, int64_t size, int64_t k, int64_t inner) {
    for (int64_t o = 0; o < outer; o++)
        for (int64_t j = 0; j < k; j++)
            memcpy(out + (o * k + j) * inner, x + (o * size + idx[j]) * inner, (size_t)inner * sizeof(float));
}

void mv_index_select_backward(const float *gy, const int64_t *idx, float *gx, int64_t outer, int64_t size, int64_t k, int64_t inner) {
    for (int64_t o = 0; o < outer; o++)
        for (int64_t j = 0; j < k; j++)
            mv_add_inplace(gx + (o * size + idx[j]) * inner, gy + (o * k + j) * inner, inner);
}

// Merge sort on (value, index) pairs: stable, so ties keep their original order, which makes the
// MAE's masking reproducible whatever the noise contains. NaN ranks above every number, as in PyTorch (last
// ascending, first descending); without that rule one NaN, unordered with everything, scrambles the whole order.
typedef struct { float v; int64_t i; } keyed;

static int before(keyed a, keyed b, int descending) {
    if (descending) return a.v > b.v || (isnan(a.v) && !isnan(b.v));
    return a.v < b.v || (isnan(b.v) && !isnan(a.v));
}

static void merge_sort(keyed *a, keyed *tmp, int64_t n, int descending) {
    if (n < 2) return;
    int64_t h = n / 2;
    merge_sort(a, tmp, h, descending);
    merge_sort(a + h, tmp, n - h, descending);
    int64_t i = 0, j = h, k = 0;
    while (i < h && j < n) tmp[k++] = before(a[j], a[i], descending) ? a[j++] : a[i++];
    while (i < h) tmp[k++] = a[i++];
    while (j < n) tmp[k++] = a[j++];
    memcpy(a, tmp, (size_t)n * sizeof(keyed));
}

int mv_argsort(const float *x, float *out_idx, int64_t outer, int64_t r, int64_t inner, int descending) {
    keyed *buf = malloc((size_t)r * 2 * sizeof(keyed));
    if (buf == NULL) return -1;
    for (int64_t o = 0; o < outer; o++) {
        for (int64_t in = 0; in < inner; in++) {
            const float *p = x + o * r * inner + in;
            for (int64_t k = 0; k < r; k++) { buf[k].v = p[k * inner]; buf[k].i = k; }
            merge_sort(buf, buf + r, r, descending);
            float *q = out_idx + o * r * inner + in;
            for (int64_t k = 0; k < r; k++) q[k * inner] = (float)buf[k].i;
        }
    }
    free(buf);
    return 0;
}
