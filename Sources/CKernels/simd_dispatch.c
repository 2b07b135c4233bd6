// Chooses the kernels' instruction-set variant and forwards every mv_* kernel of kernel_list.h to it.
// Why a table and not target_clones: clones are resolved by the dynamic loader (ifunc) from the CPU
// alone, before main, so MINDVIS_SIMD could not force a path, tests could not run every variant in
// one process, and Mach-O (macOS) has no ifuncs at all. A table costs one indirect call per kernel call.
#include "kernel_table.h"
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

static const char *const path_names[MV_SIMD_PATH_COUNT] = {"scalar", "avx2", "avx512"};

// The variant's table, or NULL when this build does not have it.
static const mv_kernel_table *table_of(int path) {
    switch (path) {
    case MV_SIMD_SCALAR: return &mv_kernels_scalar;
#if MV_X86_VARIANTS
    case MV_SIMD_AVX2: return &mv_kernels_avx2;
    case MV_SIMD_AVX512: return &mv_kernels_avx512;
#endif
    default: return NULL;
    }
}

// Whether this CPU, and the operating system (which must save the wider registers on a context switch),
// run the path. __builtin_cpu_supports checks both; __builtin_cpu_init makes it safe in a constructor.
static int cpu_runs(int path) {
#if MV_X86_VARIANTS
    __builtin_cpu_init();
    int avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    if (path == MV_SIMD_AVX2) return avx2;
    if (path == MV_SIMD_AVX512) {
        return avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")
            && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
    }
#endif
    return path == MV_SIMD_SCALAR;
}

int mv_simd_path_named(const char *name) {
    for (int path = 0; path < MV_SIMD_PATH_COUNT; path++) {
        if (strcmp(name, path_names[path]) == 0) return path;
    }
    return -1;
}

int mv_simd_path_compiled(int path) { return table_of(path) != NULL; }

int mv_simd_path_supported(int path) { return table_of(path) != NULL && cpu_runs(path); }

int mv_simd_best_path(void) {
    int best = MV_SIMD_SCALAR;
    for (int path = 0; path < MV_SIMD_PATH_COUNT; path++) {
        if (mv_simd_path_supported(path)) best = path;
    }
    return best;
}

// Written by mv_simd_use_path, read by every kernel call; atomics so that a switch (tests, benchmarks)
// is a clean store even though callers switch only while no kernel runs.
static _Atomic(const mv_kernel_table *) active_table = &mv_kernels_scalar;
static _Atomic int active_path = MV_SIMD_SCALAR;

int mv_simd_active_path(void) { return atomic_load_explicit(&active_path, memory_order_relaxed); }

int mv_simd_use_path(int path) {
    if (!mv_simd_path_supported(path)) return -1;
    atomic_store_explicit(&active_path, path, memory_order_relaxed);
    atomic_store_explicit(&active_table, table_of(path), memory_order_release);
    return 0;
}

// Runs before main, so every program (mindvis, the tests, a library user's) starts on its path: the one
// MINDVIS_SIMD names if this CPU runs it, else the best one. A setting that cannot be honoured is reported
// by the Swift side (Kernels.verifyEnvironmentSetting), where it can be an error rather than a crash.
__attribute__((constructor)) static void choose_path_at_start(void) {
    const char *setting = getenv("MINDVIS_SIMD");
    int path = setting && *setting ? mv_simd_path_named(setting) : -1;
    if (path < 0 || mv_simd_use_path(path) != 0) mv_simd_use_path(mv_simd_best_path());
}

static inline const mv_kernel_table *kernels(void) {
    return atomic_load_explicit(&active_table, memory_order_acquire);
}

#define MV_KERNEL(name, parameters, arguments) \
    void mv_##name parameters { kernels()->name arguments; }
#define MV_KERNEL_RETURNING(type, name, parameters, arguments) \
    type mv_##name parameters { return kernels()->name arguments; }
#include "kernel_list.h"
#undef MV_KERNEL
#undef MV_KERNEL_RETURNING
