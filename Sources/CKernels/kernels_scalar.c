// The portable variant of every kernel: the shared bodies with the one-lane vocabulary and no target
// attributes, so it builds for any target. It is the only variant off x86-64 Linux, and the baseline
// the AVX2 and AVX-512 variants are tested against.
#include "kernel_table.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "isa_scalar.h"
#define MV_VARIANT_TABLE mv_kernels_scalar
#include "body/variant.h"
