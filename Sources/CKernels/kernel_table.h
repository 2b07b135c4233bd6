// The dispatch table: one function pointer per kernel of kernel_list.h. Each instruction-set variant
// (kernels_scalar.c, kernels_avx2.c, kernels_avx512.c) fills one table with its own compilation of the
// shared kernel bodies; simd_dispatch.c picks the table at start-up.
#ifndef MINDVIS_KERNEL_TABLE_H
#define MINDVIS_KERNEL_TABLE_H

#include "CKernels.h"
#include "simd_variants.h"

typedef struct mv_kernel_table {
#define MV_KERNEL(name, parameters, arguments) void (*name) parameters;
#define MV_KERNEL_RETURNING(type, name, parameters, arguments) type (*name) parameters;
#include "kernel_list.h"
#undef MV_KERNEL
#undef MV_KERNEL_RETURNING
} mv_kernel_table;

extern const mv_kernel_table mv_kernels_scalar;
#if MV_X86_VARIANTS
extern const mv_kernel_table mv_kernels_avx2;
extern const mv_kernel_table mv_kernels_avx512;
#endif

#endif
