// One variant of every kernel: the shared bodies, compiled with the vector vocabulary (isa_*.h) and the
// target(...) attributes that the including file (kernels_*.c) has set up, followed by the variant's
// dispatch table, which the including file names by defining MV_VARIANT_TABLE. The bodies' functions
// are static, so the variants' copies never clash; later bodies call earlier ones directly.
#include "elementwise.h"
#include "reduce.h"
#include "softmax.h"
#include "attention.h"
#include "norm.h"
#include "conv.h"
#include "panel_product.h"
#include "winograd.h"
#include "direct_conv.h"
#include "optim.h"

const mv_kernel_table MV_VARIANT_TABLE = {
#define MV_KERNEL(name, parameters, arguments) .name = name,
#define MV_KERNEL_RETURNING(type, name, parameters, arguments) .name = name,
#include "../kernel_list.h"
#undef MV_KERNEL
#undef MV_KERNEL_RETURNING
};
