// The cpu backend's calibration: OpenBLAS GEMMs per dtype, the STREAM triad
// over several last-level caches, and a 1×1×1 GEMM as the smallest op. Each
// figure is the median of calls timed one by one on the steady clock, after
// a warm-up call (the first call pays page faults and OpenBLAS' thread start).
#include <cblas.h>
#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>
#include <vector>

#include "backend/device_calibration.hpp"
#include "core/checked_math.hpp"
#include "core/error.hpp"
#include "core/statistics.hpp"
#include "kernels/cpu/kernels.hpp"
#include "kernels/cpu/triad.hpp"
#include "platform/steady_clock.hpp"

namespace flopwall {
namespace {

constexpr std::int64_t k_probe_n = 256;   // large enough for OpenBLAS' blocked kernel, ~1 ms
constexpr std::int64_t k_min_n = 64;
constexpr std::int64_t k_max_n = 4096;    // fp64: three 128 MiB matrices

template <class F>
double seconds_of(F&& call) {
  const std::int64_t start = steady_now_ns();
  call();
  return static_cast<double>(steady_now_ns() - start) / 1e9;
}

template <class T>
struct SquareGemm {
  explicit SquareGemm(std::int64_t n)
      : n(n), a(elements(n), T{1}), b(elements(n), T{0.5}), c(elements(n), T{0}) {}
  static std::size_t elements(std::int64_t n) { return mul_or_throw<std::size_t>(n, n, "a calibration GEMM's elements"); }
  void run() { kernels::cpu::gemm<T>(false, n, n, n, T{1}, a.data(), n, b.data(), n, c.data(), n); }
  std::int64_t n;
  std::vector<T> a, b, c;
};

// Median FLOP/s of `reps` timed calls after one warm-up.
template <class T>
double gemm_rate(std::int64_t n, int reps) {
  SquareGemm<T> g(n);
  g.run();
  std::vector<double> times;
  for (int i = 0; i < reps; ++i) times.push_back(seconds_of([&] { g.run(); }));
  // Every element of C is the sum of n products 1 · 0.5: a GEMM that did
  // not run (or ran on the wrong shape) is not passed off as a rate.
  if (g.c.front() != static_cast<T>(0.5 * static_cast<double>(n)) || g.c.back() != g.c.front())
    throw std::runtime_error(fmt::format("calibration: the {}×{} GEMM computed a wrong result", n, n));
  return calibration::gemm_flops(n) / stats::percentile(times, 0.5);
}

template <class T>
double probe_rate(std::int64_t n) {
  SquareGemm<T> g(n);
  g.run();
  return calibration::gemm_flops(n) / seconds_of([&] { g.run(); });
}

double rate_for(DType t, std::int64_t n, int reps) { return t == DType::fp64 ? gemm_rate<double>(n, reps) : gemm_rate<float>(n, reps); }
double probe_for(DType t, std::int64_t n) { return t == DType::fp64 ? probe_rate<double>(n) : probe_rate<float>(n); }

// The triad in double precision, as STREAM: bandwidth = 3 · count · 8 / t.
void measure_triad(std::int64_t cache_bytes, double budget_s, DeviceMeasurement& m) {
  const std::int64_t count = calibration::triad_elements(cache_bytes, sizeof(double));
  const auto size = static_cast<std::size_t>(count);
  std::vector<double> a(size, 0.0), b(size, 1.0), c(size, 2.0);  // written once: every page is touched before timing
  constexpr double s = 3.0;
  const auto pass = [&] { kernels::cpu::triad<double>(a.data(), b.data(), c.data(), s, count); };
  const int reps = calibration::triad_reps(seconds_of(pass), budget_s);
  std::vector<double> times;
  for (int i = 0; i < reps; ++i) times.push_back(seconds_of(pass));
  if (a.front() != 7.0 || a.back() != 7.0) throw std::runtime_error("calibration: the triad computed a wrong result");
  m.triad_bytes = mul_or_throw<std::int64_t>(3 * count, sizeof(double), "the triad's bytes");
  m.mem_bw_bytes_per_s = static_cast<double>(m.triad_bytes) / stats::percentile(times, 0.5);
}

// The smallest op: a 1×1×1 GEMM of the first dtype, timed call by call.
double smallest_op_seconds(DType t) {
  std::vector<double> times;
  times.reserve(calibration::k_overhead_reps);
  const auto time_it = [&](auto one) {
    using T = decltype(one);
    T a{1}, b{1}, c{0};
    kernels::cpu::gemm<T>(false, 1, 1, 1, T{1}, &a, 1, &b, 1, &c, 1);
    for (int i = 0; i < calibration::k_overhead_reps; ++i)
      times.push_back(seconds_of([&] { kernels::cpu::gemm<T>(false, 1, 1, 1, T{1}, &a, 1, &b, 1, &c, 1); }));
  };
  if (t == DType::fp64) time_it(double{});
  else time_it(float{});
  return stats::percentile(times, 0.5);
}

}  // namespace

DeviceMeasurement measure_cpu_device(const CalibrationRequest& request) {
  CalibrationRequest r = request;
  if (r.dtypes.empty()) r.dtypes = {DType::fp32, DType::fp64};
  for (DType t : r.dtypes)
    if (t != DType::fp32 && t != DType::fp64)
      throw UsageError(fmt::format("--dtype {} is not supported by the cpu backend; valid: fp32, fp64", dtype_name(t)));
  openblas_set_num_threads(r.threads);
  const std::int64_t max_n = r.max_gemm_n > 0 ? std::min(r.max_gemm_n, k_max_n) : k_max_n;
  const std::int64_t probe_n = std::min(k_probe_n, max_n);
  // One size for every dtype, so their figures compare: sized by the slowest.
  double slowest = 0;
  for (DType t : r.dtypes) {
    const double rate = probe_for(t, probe_n);
    slowest = slowest == 0 ? rate : std::min(slowest, rate);
  }
  const double per_dtype_s = r.seconds * calibration::k_gemm_share / static_cast<double>(r.dtypes.size());
  const calibration::GemmSizing sizing = calibration::size_gemm(slowest, per_dtype_s, std::min(k_min_n, max_n), max_n);
  DeviceMeasurement m{.gemm_n = sizing.n};
  for (DType t : r.dtypes) m.gemm_flops.emplace_back(t, rate_for(t, sizing.n, sizing.reps));
  measure_triad(r.cache_bytes, r.seconds * calibration::k_triad_share, m);
  m.op_overhead_s = smallest_op_seconds(r.dtypes.front());
  return m;
}

}  // namespace flopwall
