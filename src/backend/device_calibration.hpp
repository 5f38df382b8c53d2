#pragma once
// What a backend measures of its device for a calibration (`flopwall
// calibrate`, and the short one `flopwall run` makes): the GEMM FLOP/s per
// dtype from large square GEMMs, the memory bandwidth from a streaming
// triad, and the time of the smallest op. The runtime assembles these per
// rank (runtime/calibration.hpp); the formulas are in docs/metrics.md,
// "Calibration". The sizing rules both backends share are here, as pure
// functions, so that a budget of seconds becomes shapes the same way on each.
#include <cstdint>
#include <utility>
#include <vector>

#include "core/dtype.hpp"

namespace flopwall {

struct CalibrationRequest {
  // The GEMM dtypes to measure, checked by the backend; empty: every dtype
  // the backend runs (one the device cannot run is then left out, not an error).
  std::vector<DType> dtypes;
  int threads = 1;                // cpu: OpenBLAS threads
  double seconds = 10;            // this rank's budget for all of its device measurements
  std::int64_t max_gemm_n = 0;    // 0: the backend's own largest size
  std::int64_t cache_bytes = 0;   // the host's last-level cache (one instance); 0: unknown
  double timeout_s = 300;         // cuda: longest wait for the device
};

struct DeviceMeasurement {
  std::vector<std::pair<DType, double>> gemm_flops;  // FLOP/s, in request order
  std::int64_t gemm_n = 0;
  double mem_bw_bytes_per_s = 0;
  std::int64_t triad_bytes = 0;  // the three arrays together
  double op_overhead_s = 0;
};

namespace calibration {

// Shares of the budget: GEMMs (split evenly over the dtypes), the triad, the
// smallest op. What is left covers allocation and warm-up.
inline constexpr double k_gemm_share = 0.6;
inline constexpr double k_triad_share = 0.25;
inline constexpr int k_min_reps = 3;   // timed calls: a median needs three
inline constexpr int k_max_reps = 25;  // more calls buy nothing once the median is stable
inline constexpr int k_overhead_reps = 200;
// The triad's three arrays together span this many last-level caches, so
// that at most a quarter of what it touches can be a cache hit.
inline constexpr std::int64_t k_triad_cache_multiple = 4;
// Assumed when the platform does not tell the cache size (docs/metrics.md).
inline constexpr std::int64_t k_fallback_cache_bytes = 32ll << 20;

struct GemmSizing {
  std::int64_t n = 0;
  int reps = 0;
};

// The largest power of two n in [min_n, max_n] whose warm-up call and
// k_min_reps timed calls at `flops_per_s` (a probe's rate) fit `budget_s`
// (min_n when none does), and how many timed calls of it fit, within
// [k_min_reps, k_max_reps].
GemmSizing size_gemm(double flops_per_s, double budget_s, std::int64_t min_n, std::int64_t max_n);

// Elements per triad array: k_triad_cache_multiple × cache_bytes (the
// fallback when 0) over three arrays of `element_bytes`, a multiple of 64
// elements (whole cache lines and vector packs).
std::int64_t triad_elements(std::int64_t cache_bytes, std::int64_t element_bytes);

// Timed passes of the triad that fit `budget_s` at `seconds_per_pass`,
// within [k_min_reps, k_max_reps].
int triad_reps(double seconds_per_pass, double budget_s);

// 2n³: the FLOPs of one n×n×n GEMM.
double gemm_flops(std::int64_t n);

}  // namespace calibration

// The cpu backend's measurement: OpenBLAS GEMMs, the triad loop of
// kernels/cpu/triad.hpp, and a 1×1×1 GEMM as the smallest op. UsageError
// for a dtype it cannot run (fp32 and fp64 only).
DeviceMeasurement measure_cpu_device(const CalibrationRequest& request);

}  // namespace flopwall
