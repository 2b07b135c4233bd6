// The MPI library's own all-reduce figure (osu_allreduce's method: in-place MPI_SUM of floats, best and median of
// 7 after a warm-up), for scripts/bench-dist to print beside mv.dist.all_reduce. Built with mpicc when present.
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

static int by_value(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    const int sizes[] = {1, 4, 16, 64};
    for (int s = 0; s < 4; s++) {
        size_t count = (size_t)sizes[s] * 262144;
        float *buffer = malloc(count * sizeof(float));
        for (size_t i = 0; i < count; i++) buffer[i] = 1;
        MPI_Allreduce(MPI_IN_PLACE, buffer, (int)count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
        double times[7];
        for (int i = 0; i < 7; i++) {
            MPI_Barrier(MPI_COMM_WORLD);
            double t0 = MPI_Wtime();
            MPI_Allreduce(MPI_IN_PLACE, buffer, (int)count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
            times[i] = MPI_Wtime() - t0;
        }
        qsort(times, 7, sizeof(double), by_value);
        if (rank == 0) {
            double gb = sizes[s] * 1.048576e-3;
            printf("MPI_Allreduce (C)  %3d MiB: best %.2f ms (%.2f GB/s), median %.2f ms (%.2f GB/s)\n", sizes[s], times[0] * 1e3,
                   gb / times[0], times[3] * 1e3, gb / times[3]);
        }
        free(buffer);
    }
    MPI_Finalize();
    return 0;
}
