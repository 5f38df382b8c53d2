/* A bare replay of a run's GEMMs and allreduces: the shapes, order and
 * buffers that bench/gemm_shapes prints for one rank, called straight into
 * OpenBLAS and MPI (plain MPI_Init) with nothing else in the process: no
 * other ops, no harness. Started as as many processes as the run has ranks,
 * it is what the run's GEMMs could reach on the same cores.
 *
 *   mpirun -np 2 bare_gemm SPEC_FILE ITERS WARMUP [gemms-only]
 *
 * With "gemms-only" the allreduces are skipped: the GEMMs then run without
 * ever synchronising, which is faster than any tensor-parallel run can be
 * (docs/metrics.md, "GEMMs next to a bare loop").
 * Buffers are 64-byte aligned and filled with small values before timing,
 * one OpenBLAS thread (as flopwall's default). Each GEMM call is timed with
 * CLOCK_MONOTONIC. Each process prints one line per GEMM name (over all its
 * layers): "<name> mean_us <mean per call> calls <count>" */
#include <cblas.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { k_max_buffers = 4096, k_max_steps = 4096, k_max_names = 64 };

struct Step {
  int gemm; /* 1: GEMM, 0: in-place float-sum allreduce of `c` over `m` elements */
  char name[64];
  int m, n, k, a, b, c;
  int slot; /* index into the per-name totals; GEMMs only */
};

static double now_us(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static int usage(const char* why) {
  fprintf(stderr, "bare_gemm: %s; usage: bare_gemm SPEC_FILE ITERS WARMUP [gemms-only]\n", why);
  MPI_Finalize();
  return 2;
}

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  if (argc != 4 && !(argc == 5 && !strcmp(argv[4], "gemms-only"))) return usage("wrong arguments");
  const int iters = atoi(argv[2]), warmup = atoi(argv[3]), with_allreduce = argc == 4;
  FILE* spec = fopen(argv[1], "r");
  if (!spec || iters < 1 || warmup < 0) return usage("cannot read SPEC_FILE, or ITERS < 1 or WARMUP < 0");

  static float* buffers[k_max_buffers];
  static struct Step steps[k_max_steps];
  int n_steps = 0;
  char kind[16];
  while (fscanf(spec, "%15s", kind) == 1) {
    if (!strcmp(kind, "buffer")) {
      int id = 0;
      long long elements = 0;
      if (fscanf(spec, "%d %lld", &id, &elements) != 2 || id < 0 || id >= k_max_buffers || elements < 1)
        return usage("bad buffer line");
      const size_t bytes = ((size_t)elements * sizeof(float) + 63) / 64 * 64;
      buffers[id] = aligned_alloc(64, bytes);
      for (long long i = 0; i < elements; ++i) buffers[id][i] = (float)((i % 7) - 3) / 64.0f;
      continue;
    }
    if (n_steps == k_max_steps) return usage("too many steps");
    struct Step* s = &steps[n_steps++];
    s->gemm = !strcmp(kind, "gemm");
    if (s->gemm ? fscanf(spec, "%63s %d %d %d %d %d %d", s->name, &s->m, &s->n, &s->k, &s->a, &s->b, &s->c) != 7
                : strcmp(kind, "allreduce") || fscanf(spec, "%63s %d %d", s->name, &s->c, &s->m) != 3)
      return usage("bad step line");
  }
  fclose(spec);
  openblas_set_num_threads(1);

  char names[k_max_names][64];
  double total_us[k_max_names] = {0};
  long calls[k_max_names] = {0};
  int n_names = 0;
  for (int i = 0; i < n_steps; ++i) {
    struct Step* s = &steps[i];
    s->slot = -1;
    for (int j = 0; j < n_names; ++j)
      if (!strcmp(names[j], s->name)) s->slot = j;
    if (s->gemm && s->slot < 0 && n_names < k_max_names) {
      strcpy(names[n_names], s->name);
      s->slot = n_names++;
    }
  }
  MPI_Barrier(MPI_COMM_WORLD);
  for (int it = 0; it < warmup + iters; ++it)
    for (int i = 0; i < n_steps; ++i) {
      const struct Step* s = &steps[i];
      if (!s->gemm) {
        if (with_allreduce) MPI_Allreduce(MPI_IN_PLACE, buffers[s->c], s->m, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
        continue;
      }
      const double t0 = now_us();
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, s->m, s->n, s->k, 1.0f, buffers[s->a], s->k,
                  buffers[s->b], s->n, 0.0f, buffers[s->c], s->n);
      const double t1 = now_us();
      if (it >= warmup && s->slot >= 0) {
        total_us[s->slot] += t1 - t0;
        ++calls[s->slot];
      }
    }
  for (int j = 0; j < n_names; ++j) printf("%s mean_us %.3f calls %ld\n", names[j], total_us[j] / calls[j], calls[j]);
  MPI_Finalize();
  return 0;
}
