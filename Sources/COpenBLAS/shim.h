#include <cblas.h>
// OpenBLAS extensions used to pick one level of threading at a time (DESIGN.md §4).
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
char *openblas_get_config(void);
