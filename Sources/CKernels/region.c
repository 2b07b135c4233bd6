// Per-thread marker of "this thread is running one worker's share of a parallel region". Swift has no
// cheap thread-local storage, and nested regions must run inline instead of splitting again (two workers
// each splitting a GEMM would put four threads on two cores).
#include "CKernels.h"

static _Thread_local int region_depth;

void mv_region_enter(void) { region_depth++; }
void mv_region_leave(void) { region_depth--; }
int mv_region_depth(void) { return region_depth; }
