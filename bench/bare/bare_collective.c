/* A bare loop of one MPI collective, started as a minimal MPI program is
 * (plain MPI_Init), timed the way the OSU Micro-Benchmarks time: MPI_Wtime
 * around each call, a barrier between calls outside the timed span, the mean
 * per call on each rank, then the mean over ranks (OSU's "Avg Latency") and
 * the largest rank's mean (the slowest-rank convention of nccl-tests).
 *
 *   mpirun -np 2 bare_collective COLLECTIVE BYTES ITERS WARMUP
 *
 * COLLECTIVE: allreduce | allgather | alltoall | broadcast | reducescatter.
 * BYTES is the size as `flopwall collectives` counts it (nccl-tests' size:
 * the whole buffer; per-rank chunks are BYTES / ranks), in floats. Prints
 * one line: "<collective> <bytes> mean_us <mean over ranks> max_us <slowest rank>".
 * The reference that bench/compare_bare.sh puts next to flopwall's figures. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void call(const char* c, float* send, float* recv, int count, int chunk) {
  if (!strcmp(c, "allreduce")) MPI_Allreduce(send, recv, count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
  else if (!strcmp(c, "allgather")) MPI_Allgather(send, chunk, MPI_FLOAT, recv, chunk, MPI_FLOAT, MPI_COMM_WORLD);
  else if (!strcmp(c, "alltoall")) MPI_Alltoall(send, chunk, MPI_FLOAT, recv, chunk, MPI_FLOAT, MPI_COMM_WORLD);
  else if (!strcmp(c, "broadcast")) MPI_Bcast(recv, count, MPI_FLOAT, 0, MPI_COMM_WORLD);
  else MPI_Reduce_scatter_block(send, recv, chunk, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
}

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  const char* known[] = {"allreduce", "allgather", "alltoall", "broadcast", "reducescatter"};
  int valid = 0;
  for (int k = 0; argc == 5 && k < 5; ++k) valid |= !strcmp(argv[1], known[k]);
  const long bytes = argc == 5 ? atol(argv[2]) : 0;
  const int iters = argc == 5 ? atoi(argv[3]) : 0, warmup = argc == 5 ? atoi(argv[4]) : -1;
  if (!valid || bytes < 4 || iters < 1 || warmup < 0) {
    if (rank == 0)
      fprintf(stderr, "usage: bare_collective allreduce|allgather|alltoall|broadcast|reducescatter BYTES ITERS WARMUP "
                      "(BYTES >= 4, ITERS >= 1, WARMUP >= 0)\n");
    MPI_Finalize();
    return 2;
  }
  const int count = (int)(bytes / 4 / size * size), chunk = count / size;
  float* send = calloc((size_t)count + 1, sizeof(float));
  float* recv = calloc((size_t)count + 1, sizeof(float));
  double total = 0;
  for (int i = 0; i < warmup + iters; ++i) {
    const double t0 = MPI_Wtime();
    call(argv[1], send, recv, count, chunk);
    const double t1 = MPI_Wtime();
    if (i >= warmup) total += t1 - t0;
    MPI_Barrier(MPI_COMM_WORLD);
  }
  double mine_us = total * 1e6 / iters, sum_us = 0, max_us = 0;
  MPI_Reduce(&mine_us, &sum_us, 1, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
  MPI_Reduce(&mine_us, &max_us, 1, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
  if (rank == 0) printf("%s %ld mean_us %.4f max_us %.4f\n", argv[1], (long)count * 4, sum_us / size, max_us);
  free(send);
  free(recv);
  MPI_Finalize();
  return 0;
}
