#include "mpi_shim.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

// Open MPI's handle types are pointers to its internal structs; only their addresses cross this file.
typedef void *mpi_handle;

static struct {
    int (*init)(int *, char ***);
    int (*comm_rank)(mpi_handle, int *);
    int (*comm_size)(mpi_handle, int *);
    int (*allreduce)(const void *, void *, int, mpi_handle, mpi_handle, mpi_handle);
    int (*bcast)(void *, int, mpi_handle, int, mpi_handle);
    int (*barrier)(mpi_handle);
    int (*abort)(mpi_handle, int);
    int (*finalize)(void);
    int (*set_errhandler)(mpi_handle, mpi_handle);
    int (*error_string)(int, char *, int *);
    mpi_handle comm_world, float_type, byte_type, op_sum, op_max, op_min, errors_return;
    int rank, size, ready;
} mpi;

// Open MPI's MPI_IN_PLACE (mpi.h: ((void *) 1)).
#define OMPI_IN_PLACE ((void *)1)

int mv_mpi_launched_size(void) {
    const char *size = getenv("OMPI_COMM_WORLD_SIZE");
    return size ? atoi(size) : 0;
}

static void describe(int code, const char *what, char *error, size_t error_size) {
    char text[512] = "unknown error";
    int length = 0;
    if (mpi.error_string) mpi.error_string(code, text, &length);
    snprintf(error, error_size, "%s failed: %s (MPI error %d)", what, text, code);
}

int mv_mpi_init(char *error, size_t error_size) {
    const char *override = getenv("MINDVIS_LIBMPI");
    const char *names[] = {override, "libmpi.so.40", "libmpi.so"};
    void *library = NULL;
    for (size_t i = 0; i < 3 && !library; i++) {
        // RTLD_GLOBAL: Open MPI's own plugins, which it dlopens in turn, resolve libmpi's symbols through it.
        if (names[i]) library = dlopen(names[i], RTLD_NOW | RTLD_GLOBAL);
    }
    if (!library) {
        snprintf(error, error_size, "cannot load Open MPI's libmpi (%s); install it (apt-get install openmpi-bin) or set MINDVIS_LIBMPI", dlerror());
        return -1;
    }
    struct { void **slot; const char *name; } symbols[] = {
        {(void **)&mpi.init, "MPI_Init"}, {(void **)&mpi.comm_rank, "MPI_Comm_rank"}, {(void **)&mpi.comm_size, "MPI_Comm_size"},
        {(void **)&mpi.allreduce, "MPI_Allreduce"}, {(void **)&mpi.bcast, "MPI_Bcast"}, {(void **)&mpi.barrier, "MPI_Barrier"},
        {(void **)&mpi.abort, "MPI_Abort"}, {(void **)&mpi.finalize, "MPI_Finalize"},
        {(void **)&mpi.set_errhandler, "MPI_Comm_set_errhandler"}, {(void **)&mpi.error_string, "MPI_Error_string"},
        {&mpi.comm_world, "ompi_mpi_comm_world"}, {&mpi.float_type, "ompi_mpi_float"}, {&mpi.byte_type, "ompi_mpi_byte"},
        {&mpi.op_sum, "ompi_mpi_op_sum"}, {&mpi.op_max, "ompi_mpi_op_max"}, {&mpi.op_min, "ompi_mpi_op_min"},
        {&mpi.errors_return, "ompi_mpi_errors_return"},
    };
    for (size_t i = 0; i < sizeof symbols / sizeof symbols[0]; i++) {
        *symbols[i].slot = dlsym(library, symbols[i].name);
        if (!*symbols[i].slot) {
            snprintf(error, error_size, "the loaded libmpi has no %s: MindVis needs Open MPI (4 or later)", symbols[i].name);
            return -1;
        }
    }
    int code = mpi.init(NULL, NULL);
    if (code != 0) { describe(code, "MPI_Init", error, error_size); return -1; }
    // Errors come back as codes, so a failed collective is reported as a Lua error instead of killing the job
    // without a word.
    mpi.set_errhandler(mpi.comm_world, mpi.errors_return);
    if ((code = mpi.comm_rank(mpi.comm_world, &mpi.rank)) != 0 || (code = mpi.comm_size(mpi.comm_world, &mpi.size)) != 0) {
        describe(code, "MPI_Comm_rank/size", error, error_size);
        return -1;
    }
    mpi.ready = 1;
    return 0;
}

int mv_mpi_rank(void) { return mpi.ready ? mpi.rank : 0; }
int mv_mpi_world_size(void) { return mpi.ready ? mpi.size : 1; }

int mv_mpi_allreduce_float(float *buffer, size_t count, mv_mpi_op op, char *error, size_t error_size) {
    if (!mpi.ready) return 0;
    mpi_handle handle = op == MV_MPI_MAX ? mpi.op_max : op == MV_MPI_MIN ? mpi.op_min : mpi.op_sum;
    for (size_t done = 0; done < count;) {
        int piece = count - done > INT_MAX ? INT_MAX : (int)(count - done);
        int code = mpi.allreduce(OMPI_IN_PLACE, buffer + done, piece, mpi.float_type, handle, mpi.comm_world);
        if (code != 0) { describe(code, "MPI_Allreduce", error, error_size); return code; }
        done += (size_t)piece;
    }
    return 0;
}

int mv_mpi_broadcast_bytes(void *buffer, size_t count, int root, char *error, size_t error_size) {
    if (!mpi.ready) return 0;
    for (size_t done = 0; done < count;) {
        int piece = count - done > INT_MAX ? INT_MAX : (int)(count - done);
        int code = mpi.bcast((char *)buffer + done, piece, mpi.byte_type, root, mpi.comm_world);
        if (code != 0) { describe(code, "MPI_Bcast", error, error_size); return code; }
        done += (size_t)piece;
    }
    return 0;
}

int mv_mpi_barrier(char *error, size_t error_size) {
    if (!mpi.ready) return 0;
    int code = mpi.barrier(mpi.comm_world);
    if (code != 0) describe(code, "MPI_Barrier", error, error_size);
    return code;
}

void mv_mpi_abort(int status) {
    if (mpi.ready) mpi.abort(mpi.comm_world, status);
}

int mv_mpi_finalize(void) {
    if (!mpi.ready) return 0;
    mpi.ready = 0;
    return mpi.finalize();
}
