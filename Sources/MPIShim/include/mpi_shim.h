// Open MPI reached at run time: mindvis loads libmpi with dlopen only when it was started by mpirun, so the
// binary neither links against MPI nor needs it installed to run as one process. Open MPI's handles
// (MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM, ...) are the addresses of exported globals, which dlsym resolves.
#ifndef MINDVIS_MPI_SHIM_H
#define MINDVIS_MPI_SHIM_H

#include <stddef.h>

/// Reduction operators of mv_mpi_allreduce_float.
typedef enum { MV_MPI_SUM = 0, MV_MPI_MAX = 1, MV_MPI_MIN = 2 } mv_mpi_op;

/// The world size announced by an Open MPI launcher (OMPI_COMM_WORLD_SIZE), 0 when not started by mpirun.
int mv_mpi_launched_size(void);

/// Loads libmpi (MINDVIS_LIBMPI, else libmpi.so.40, else libmpi.so) and calls MPI_Init with errors returned
/// rather than fatal. Returns 0, or -1 with a message in `error`.
int mv_mpi_init(char *error, size_t error_size);

int mv_mpi_rank(void);
int mv_mpi_world_size(void);

/// In-place all-reduce of `count` floats (any count: sent in pieces of at most INT_MAX). Returns an MPI error
/// code (0 success) and describes failures in `error`.
int mv_mpi_allreduce_float(float *buffer, size_t count, mv_mpi_op op, char *error, size_t error_size);

/// Broadcasts `count` bytes from `root` into every rank's `buffer`.
int mv_mpi_broadcast_bytes(void *buffer, size_t count, int root, char *error, size_t error_size);

int mv_mpi_barrier(char *error, size_t error_size);

/// Stops every rank of the job (after a failure on this one).
void mv_mpi_abort(int status);

int mv_mpi_finalize(void);

#endif
