// The sizing rules of device_calibration.hpp: a budget of seconds becomes a
// GEMM size, a number of calls and a triad array size.
#include <algorithm>
#include <cmath>

#include "backend/device_calibration.hpp"

namespace flopwall::calibration {

double gemm_flops(std::int64_t n) {
  const auto x = static_cast<double>(n);
  return 2.0 * x * x * x;
}

GemmSizing size_gemm(double flops_per_s, double budget_s, std::int64_t min_n, std::int64_t max_n) {
  GemmSizing s{.n = min_n, .reps = k_min_reps};
  // A probe that measured nothing (a rate of 0 or infinity) says nothing of
  // the time a size takes: the smallest size then.
  if (!(flops_per_s > 0) || !std::isfinite(flops_per_s) || !(budget_s > 0)) return s;
  for (std::int64_t n = min_n; n <= max_n && n > 0; n *= 2)
    if ((1 + k_min_reps) * gemm_flops(n) / flops_per_s <= budget_s) s.n = n;
  const double per_call_s = gemm_flops(s.n) / flops_per_s;
  const double fit = std::floor(budget_s / per_call_s) - 1;  // one warm-up call first
  s.reps = static_cast<int>(std::clamp(fit, static_cast<double>(k_min_reps), static_cast<double>(k_max_reps)));
  return s;
}

std::int64_t triad_elements(std::int64_t cache_bytes, std::int64_t element_bytes) {
  const std::int64_t cache = cache_bytes > 0 ? cache_bytes : k_fallback_cache_bytes;
  // Both factors come from the platform (hwloc, the device), not the user;
  // a cache over 2^56 bytes would still not wrap here.
  const std::int64_t per_array = std::min(cache, std::int64_t{1} << 56) * k_triad_cache_multiple / 3 / element_bytes;
  return std::max<std::int64_t>(64, per_array / 64 * 64);
}

int triad_reps(double seconds_per_pass, double budget_s) {
  if (!(seconds_per_pass > 0) || !std::isfinite(seconds_per_pass)) return k_min_reps;
  const double fit = std::floor(budget_s / seconds_per_pass) - 1;
  return static_cast<int>(std::clamp(fit, static_cast<double>(k_min_reps), static_cast<double>(k_max_reps)));
}

}  // namespace flopwall::calibration
