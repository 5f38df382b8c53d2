#include "analysis/sweep_knee.hpp"

#include <cmath>

namespace flopwall {

std::optional<std::size_t> knee_index(const std::vector<double>& values, const std::vector<double>& throughput) {
  double best = 0;
  for (std::size_t i = 0; i < values.size() && i < throughput.size(); ++i)
    if (std::isfinite(throughput[i]) && throughput[i] > best) best = throughput[i];
  if (!(best > 0)) return std::nullopt;
  for (std::size_t i = 0; i < values.size() && i < throughput.size(); ++i)
    if (std::isfinite(throughput[i]) && throughput[i] >= k_knee_fraction * best) return i;
  return std::nullopt;  // unreachable: the best point itself qualifies
}

std::optional<std::size_t> slo_max_index(const std::vector<double>& values, const std::vector<double>& p99_s,
                                         double slo_s) {
  std::optional<std::size_t> within;
  for (std::size_t i = 0; i < values.size() && i < p99_s.size(); ++i) {
    if (!(p99_s[i] <= slo_s)) break;  // NaN fails too
    within = i;
  }
  return within;
}

}  // namespace flopwall
