// Optimizer updates with PyTorch's exact formulas (torch.optim.Adam/AdamW/SGD, single-tensor path).
#include "CKernels.h"
#include <math.h>

void mv_adam_step(float *p, const float *g, float *m, float *v, int64_t n, float lr, float beta1, float beta2,
                  float eps, float weight_decay, int decoupled, double bias_correction1, double bias_correction2) {
    // Scalars are formed in double, as PyTorch forms them in Python floats.
    float step_size = (float)((double)lr / bias_correction1);
    float bc2_sqrt = (float)sqrt(bias_correction2);
    float decay = (float)(1.0 - (double)lr * (double)weight_decay);
    for (int64_t i = 0; i < n; i++) {
        float grad = g[i], param = p[i];
        if (decoupled) param *= decay;
        else grad += weight_decay * param;
        float mi = beta1 * m[i] + (1.0f - beta1) * grad;
        float vi = beta2 * v[i] + (1.0f - beta2) * grad * grad;
        m[i] = mi; v[i] = vi;
        p[i] = param - step_size * mi / (sqrtf(vi) / bc2_sqrt + eps);
    }
}

void mv_sgd_step(float *p, const float *g, float *buf, int64_t n, float lr, float momentum, float dampening,
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

void mv_ema_update(float *shadow, const float *p, int64_t n, float decay) {
    for (int64_t i = 0; i < n; i++) shadow[i] = decay * shadow[i] + (1.0f - decay) * p[i];
}
