// The AVX2 + FMA variant of every kernel: the shared bodies with the 8-lane vocabulary. The pragma gives
// every function up to its pop (the vocabulary's and the bodies') the target attribute, in place of a
// -mavx2 -mfma for the whole file; simd_dispatch.c calls them only on CPUs that have AVX2 and FMA.
#include "kernel_table.h"

#if MV_X86_VARIANTS
// System headers first, outside the region: their functions carry their own target attributes.
#include <immintrin.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#include "isa_avx2.h"
#define MV_VARIANT_TABLE mv_kernels_avx2
#include "body/variant.h"
#pragma clang attribute pop
#endif
