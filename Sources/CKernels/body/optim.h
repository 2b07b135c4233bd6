// Optimizer updates with PyTorch's exact formulas (torch.optim.Adam/AdamW/SGD, single-tensor path).
// A kernel body: compiled once per instruction-set variant (see variant.h).

// Adam's per-step constants, broadcast to every lane.
typedef struct {
    vfloat beta1, one_minus_beta1, beta2, one_minus_beta2, step_size, bc2_sqrt, eps, weight_decay, decay;
    int decoupled;
} adam_constants;

// One vector of Adam: updates the moments *m and *v and returns the new parameters. Written with the
// vector vocabulary because its square root must vectorise without -fno-math-errno (a plain sqrtf
// keeps errno semantics, and with them a scalar call per element).
MV_INLINE vfloat adam_lanes(vfloat param, vfloat grad, vfloat *m, vfloat *v, const adam_constants *c) {
    if (c->decoupled) param = vf_mul(param, c->decay);
    else grad = vf_fmadd(c->weight_decay, param, grad);
    *m = vf_fmadd(c->beta1, *m, vf_mul(c->one_minus_beta1, grad));
    *v = vf_fmadd(c->beta2, *v, vf_mul(vf_mul(c->one_minus_beta2, grad), grad));
    return vf_sub(param, vf_div(vf_mul(c->step_size, *m), vf_add(vf_div(vf_sqrt(*v), c->bc2_sqrt), c->eps)));
}

static void adam_step(float *p, const float *g, float *m, float *v, int64_t n, float lr, double beta1, double beta2,
                      float eps, float weight_decay, int decoupled, double bias_correction1, double bias_correction2) {
    // Scalars are formed in double, as PyTorch forms them in Python floats.
    adam_constants c = {
        .beta1 = vf_set1((float)beta1), .one_minus_beta1 = vf_set1((float)(1.0 - beta1)),
        .beta2 = vf_set1((float)beta2), .one_minus_beta2 = vf_set1((float)(1.0 - beta2)),
        .step_size = vf_set1((float)((double)lr / bias_correction1)),
        .bc2_sqrt = vf_set1((float)sqrt(bias_correction2)),
        .eps = vf_set1(eps), .weight_decay = vf_set1(weight_decay),
        .decay = vf_set1((float)(1.0 - (double)lr * (double)weight_decay)),
        .decoupled = decoupled,
    };
    int64_t i = 0;
    for (; i + VF_WIDTH <= n; i += VF_WIDTH) {
        vfloat mi = vf_load(m + i), vi = vf_load(v + i);
        vf_store(p + i, adam_lanes(vf_load(p + i), vf_load(g + i), &mi, &vi, &c));
        vf_store(m + i, mi);
        vf_store(v + i, vi);
    }
    if (i < n) {
        int64_t r = n - i;
        vfloat mi = vf_load_partial(m + i, r, 0.0f), vi = vf_load_partial(v + i, r, 0.0f);
        vf_store_partial(p + i, adam_lanes(vf_load_partial(p + i, r, 0.0f), vf_load_partial(g + i, r, 0.0f), &mi, &vi, &c), r);
        vf_store_partial(m + i, mi, r);
        vf_store_partial(v + i, vi, r);
    }
}

static void sgd_step(float *p, const float *g, float *buf, int64_t n, float lr, float momentum, float dampening,
                     float weight_decay, int nesterov, int first_step) {
    for (int64_t i = 0; i < n; i++) {
        float d = g[i] + weight_decay * p[i];
        if (momentum != 0.0f) {
            float b = first_step ? d : momentum * buf[i] + (1.0f - dampening) * d;
            buf[i] = b;
            d = nesterov ? d + momentum * b : b;
        }
        p[i] -= lr * d;
    }
}

static void ema_update(float *shadow, const float *p, int64_t n, float decay) {
    for (int64_t i = 0; i < n; i++) shadow[i] = decay * shadow[i] + (1.0f - decay) * p[i];
}
