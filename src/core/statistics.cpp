#include "core/statistics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace flopwall::stats {

double mean(std::span<const double> values) noexcept {
  if (values.empty()) return std::numeric_limits<double>::quiet_NaN();
  return std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
}

double percentile(std::span<const double> values, double q) {
  // NaN has no place in an order (std::sort would be handed an invalid
  // comparison and may run past the ends): such values are left out.
  std::vector<double> sorted;
  sorted.reserve(values.size());
  for (const double v : values)
    if (!std::isnan(v)) sorted.push_back(v);
  if (sorted.empty()) return std::numeric_limits<double>::quiet_NaN();
  std::sort(sorted.begin(), sorted.end());
  const double pos = std::clamp(q, 0.0, 1.0) * static_cast<double>(sorted.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(pos));
  const std::size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (pos - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

double max(std::span<const double> values) noexcept {
  if (values.empty()) return std::numeric_limits<double>::quiet_NaN();
  return *std::max_element(values.begin(), values.end());
}

Summary summarize(std::span<const double> values) {
  return {.mean = mean(values), .p50 = percentile(values, 0.5), .p99 = percentile(values, 0.99), .max = max(values)};
}

}  // namespace flopwall::stats
