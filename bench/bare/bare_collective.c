/* A bare loop of one MPI collective, started as a minimal MPI program is
 * (plain MPI_Init), and timed the two ways users compare against:
 *
 *   osu   the OSU Micro-Benchmarks' way: MPI_Wtime around each call, a
 *         barrier between calls outside the timed span, the mean per call on
 *         each rank, then the mean over ranks ("Avg Latency").
 *   loop  nccl-tests' way: the calls back to back, one timer around the
 *         whole loop, divided by the count, then the slowest rank (-a 3).
 *
 *   mpirun -np 2 bare_collective COLLECTIVE BYTES ITERS WARMUP
 *
 * COLLECTIVE: allreduce | allgather | alltoall | broadcast | reducescatter
 * (MPI_Reduce_scatter with equal counts, as OSU and flopwall call it) |
 * reducescatter_block (MPI_Reduce_scatter_block, the same result).
 * Both buffers are written before timing. BYTES is the size as
 * `flopwall collectives` counts it (nccl-tests' size:
 * the whole buffer; per-rank chunks are BYTES / ranks), in floats. Prints
 * one line:
 *   "<collective> <bytes> mean_us <osu mean over ranks> max_us <osu slowest
 *    rank> loop_mean_us <loop mean over ranks> loop_max_us <loop slowest rank>"
 *
 * BARE_THREAD_LEVEL=single|funneled|serialized|multiple initialises with
 * MPI_Init_thread at that level instead, to measure what a level costs.
 * The reference that bench/compare_bare.sh puts next to flopwall's figures. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char* const k_collectives[] = {"allreduce", "allgather",     "alltoall",
                                            "broadcast", "reducescatter", "reducescatter_block"};
enum { k_collective_count = sizeof k_collectives / sizeof k_collectives[0] };

static void call(int c, float* send, float* recv, int count, int chunk, const int* chunks) {
  switch (c) {
    case 0: MPI_Allreduce(send, recv, count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD); break;
    case 1: MPI_Allgather(send, chunk, MPI_FLOAT, recv, chunk, MPI_FLOAT, MPI_COMM_WORLD); break;
    case 2: MPI_Alltoall(send, chunk, MPI_FLOAT, recv, chunk, MPI_FLOAT, MPI_COMM_WORLD); break;
    case 3: MPI_Bcast(recv, count, MPI_FLOAT, 0, MPI_COMM_WORLD); break;
    case 4: MPI_Reduce_scatter(send, recv, chunks, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD); break;
    default: MPI_Reduce_scatter_block(send, recv, chunk, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD); break;
  }
}

static void init(int* argc, char*** argv) {
  const char* level = getenv("BARE_THREAD_LEVEL");
  const char* names[] = {"single", "funneled", "serialized", "multiple"};
  const int levels[] = {MPI_THREAD_SINGLE, MPI_THREAD_FUNNELED, MPI_THREAD_SERIALIZED, MPI_THREAD_MULTIPLE};
  for (int k = 0; level && k < 4; ++k)
    if (!strcmp(level, names[k])) {
      int provided = 0;
      MPI_Init_thread(argc, argv, levels[k], &provided);
      return;
    }
  MPI_Init(argc, argv);
}

int main(int argc, char** argv) {
  init(&argc, &argv);
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  int c = -1;
  for (int k = 0; argc == 5 && k < k_collective_count; ++k)
    if (!strcmp(argv[1], k_collectives[k])) c = k;
  const long bytes = argc == 5 ? atol(argv[2]) : 0;
  const int iters = argc == 5 ? atoi(argv[3]) : 0, warmup = argc == 5 ? atoi(argv[4]) : -1;
  if (c < 0 || bytes < 4 || iters < 1 || warmup < 0) {
    if (rank == 0)
      fprintf(stderr, "usage: bare_collective allreduce|allgather|alltoall|broadcast|reducescatter|"
                      "reducescatter_block BYTES ITERS WARMUP (BYTES >= 4, ITERS >= 1, WARMUP >= 0)\n");
    MPI_Finalize();
    return 2;
  }
  const int count = (int)(bytes / 4 / size * size), chunk = count / size;
  float* send = malloc(((size_t)count + 1) * sizeof(float));
  float* recv = malloc(((size_t)count + 1) * sizeof(float));
  /* Written before timing, as OSU's set_buffer does: untouched (or calloc'd)
   * pages all map the kernel's one zero page, which every read then finds
   * in cache, and a large send of them runs up to 2x faster than any real
   * buffer can. */
  for (int i = 0; i <= count; ++i) send[i] = recv[i] = 1.0f;
  int* chunks = malloc((size_t)size * sizeof(int));
  for (int r = 0; r < size; ++r) chunks[r] = chunk;

  double osu = 0;
  for (int i = 0; i < warmup + iters; ++i) {
    const double t0 = MPI_Wtime();
    call(c, send, recv, count, chunk, chunks);
    const double t1 = MPI_Wtime();
    if (i >= warmup) osu += t1 - t0;
    MPI_Barrier(MPI_COMM_WORLD);
  }
  for (int i = 0; i < warmup; ++i) call(c, send, recv, count, chunk, chunks);
  MPI_Barrier(MPI_COMM_WORLD);
  const double l0 = MPI_Wtime();
  for (int i = 0; i < iters; ++i) call(c, send, recv, count, chunk, chunks);
  const double loop = MPI_Wtime() - l0;

  const double mine[2] = {osu * 1e6 / iters, loop * 1e6 / iters};
  double sum[2] = {0, 0}, max[2] = {0, 0};
  MPI_Reduce(mine, sum, 2, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
  MPI_Reduce(mine, max, 2, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
  if (rank == 0)
    printf("%s %ld mean_us %.4f max_us %.4f loop_mean_us %.4f loop_max_us %.4f\n", argv[1], (long)count * 4,
           sum[0] / size, max[0], sum[1] / size, max[1]);
  free(chunks);
  free(send);
  free(recv);
  MPI_Finalize();
  return 0;
}
