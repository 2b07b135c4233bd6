// xoshiro256** (Blackman & Vigna) seeded through splitmix64: fast, high quality and identical on
// every machine, which is what reproducible seeds need. Normals use the Box-Muller transform.
#include "CKernels.h"
#include <math.h>

static uint64_t splitmix64(uint64_t *state) {
    uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

void mv_rng_seed(mv_rng *g, uint64_t seed) {
    uint64_t s = seed;
    for (int i = 0; i < 4; i++) g->s[i] = splitmix64(&s);
}

uint64_t mv_rng_next(mv_rng *g) {
    uint64_t *s = g->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

// 24 random bits -> a float in [0, 1) that is exactly representable.
static inline float next_unit(mv_rng *g) { return (float)(mv_rng_next(g) >> 40) * (1.0f / 16777216.0f); }

void mv_rng_uniform(mv_rng *g, float *out, int64_t n, float lo, float hi) {
    float span = hi - lo;
    for (int64_t i = 0; i < n; i++) out[i] = lo + span * next_unit(g);
}

void mv_rng_normal(mv_rng *g, float *out, int64_t n, float mean, float std) {
    const double two_pi = 6.283185307179586;
    for (int64_t i = 0; i < n; i += 2) {
        // 53-bit uniforms in (0, 1] so log() never sees zero.
        double u1 = ((double)(mv_rng_next(g) >> 11) + 1.0) * (1.0 / 9007199254740992.0);
        double u2 = (double)(mv_rng_next(g) >> 11) * (1.0 / 9007199254740992.0);
        double radius = sqrt(-2.0 * log(u1));
        out[i] = (float)(mean + std * radius * cos(two_pi * u2));
        if (i + 1 < n) out[i + 1] = (float)(mean + std * radius * sin(two_pi * u2));
    }
}

void mv_rng_bernoulli_mask(mv_rng *g, float *out, int64_t n, float keep_prob, float scale) {
    for (int64_t i = 0; i < n; i++) out[i] = next_unit(g) < keep_prob ? scale : 0.0f;
}
