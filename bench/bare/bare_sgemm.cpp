// The bare reference of `flopwall calibrate`'s GEMM figure: square
// cblas_sgemm calls of one size on OpenBLAS with a set thread count, one
// warm-up call, then each call timed on the steady clock; prints the
// median rate. Nothing of flopwall is linked: what the harness would add is
// what a comparison with it shows (bench/calibration_vs_openblas.sh).
//
//   bare_sgemm N CALLS THREADS   → "bare_sgemm n=N calls=CALLS threads=T flops_per_s=F"
#include <cblas.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: bare_sgemm N CALLS THREADS\n");
    return 2;
  }
  const long n = std::atol(argv[1]);
  const int calls = std::atoi(argv[2]), threads = std::atoi(argv[3]);
  if (n < 1 || n > 65536 || calls < 1 || threads < 1) {
    std::fprintf(stderr, "bare_sgemm: N in 1..65536, CALLS and THREADS at least 1\n");
    return 2;
  }
  openblas_set_num_threads(threads);
  const auto elements = static_cast<std::size_t>(n) * static_cast<std::size_t>(n);
  std::vector<float> a(elements, 1.0f), b(elements, 0.5f), c(elements, 0.0f);
  const auto gemm = [&] {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, static_cast<int>(n), static_cast<int>(n),
                static_cast<int>(n), 1.0f, a.data(), static_cast<int>(n), b.data(), static_cast<int>(n), 0.0f,
                c.data(), static_cast<int>(n));
  };
  gemm();
  std::vector<double> seconds;
  for (int i = 0; i < calls; ++i) {
    const auto start = std::chrono::steady_clock::now();
    gemm();
    seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(seconds.begin(), seconds.end());
  const double median = seconds.size() % 2 ? seconds[seconds.size() / 2]
                                           : (seconds[seconds.size() / 2 - 1] + seconds[seconds.size() / 2]) / 2;
  const double flops = 2.0 * static_cast<double>(n) * static_cast<double>(n) * static_cast<double>(n);
  std::printf("bare_sgemm n=%ld calls=%d threads=%d flops_per_s=%.6g\n", n, calls, threads, flops / median);
  return c[0] == 0.5f * static_cast<float>(n) ? 0 : 1;
}
