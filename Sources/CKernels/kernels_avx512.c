// The AVX-512 variant of every kernel: the shared bodies with the 16-lane vocabulary, and the bodies'
// plain loops auto-vectorised with 512-bit registers. As in kernels_avx2.c, the pragma gives every
// function up to its pop the target attribute; simd_dispatch.c calls them only on CPUs (and operating
// systems) that run AVX-512 F, BW, DQ and VL, the x86-64-v4 level.
#include "kernel_table.h"

#if MV_X86_VARIANTS
// System headers first, outside the region: their functions carry their own target attributes.
#include <immintrin.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx2,fma"))), apply_to = function)
#include "isa_avx512.h"
#define MV_VARIANT_TABLE mv_kernels_avx512
#include "body/variant.h"
#pragma clang attribute pop
#endif
