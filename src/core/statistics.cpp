#include "core/statistics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>

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

namespace {

std::vector<double> without_nan(std::span<const double> values) {
  std::vector<double> out;
  out.reserve(values.size());
  for (const double v : values)
    if (!std::isnan(v)) out.push_back(v);
  return out;
}

// percentile()'s definition on values it may reorder: two order statistics
// by selection instead of a sort (the bootstrap takes thousands of them).
double percentile_in_place(std::vector<double>& v, double q) {
  const double pos = std::clamp(q, 0.0, 1.0) * static_cast<double>(v.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(pos));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(lo), v.end());
  const double low = v[lo];
  if (lo + 1 >= v.size()) return low;
  const double high = *std::min_element(v.begin() + static_cast<std::ptrdiff_t>(lo) + 1, v.end());
  return low + (pos - static_cast<double>(lo)) * (high - low);
}

}  // namespace

double max(std::span<const double> values) noexcept {
  if (values.empty()) return std::numeric_limits<double>::quiet_NaN();
  return *std::max_element(values.begin(), values.end());
}

Summary summarize(std::span<const double> values) {
  return {.mean = mean(values), .p50 = percentile(values, 0.5), .p99 = percentile(values, 0.99), .max = max(values)};
}

RatioInterval bootstrap_percentile_ratio(std::span<const double> baseline, std::span<const double> other, double q,
                                         int resamples, double confidence, std::uint64_t seed) {
  constexpr double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<double> a = without_nan(baseline), b = without_nan(other);
  if (a.empty() || b.empty() || resamples < 1) return {nan, nan, nan};
  const double base = percentile(a, q);
  if (!(base > 0)) return {nan, nan, nan};
  const double ratio = percentile(b, q) / base;

  std::mt19937_64 rng(seed);
  std::vector<double> ratios, draw_a(a.size()), draw_b(b.size());
  ratios.reserve(static_cast<std::size_t>(resamples));
  const auto resample = [&rng](const std::vector<double>& from, std::vector<double>& into) {
    std::uniform_int_distribution<std::size_t> pick(0, from.size() - 1);
    for (double& x : into) x = from[pick(rng)];
  };
  for (int i = 0; i < resamples; ++i) {
    resample(a, draw_a);
    resample(b, draw_b);
    const double denominator = percentile_in_place(draw_a, q);
    // A resample whose baseline percentile is 0 has no ratio; it is left out.
    if (denominator > 0) ratios.push_back(percentile_in_place(draw_b, q) / denominator);
  }
  if (ratios.empty()) return {ratio, nan, nan};
  const double tail = (1 - std::clamp(confidence, 0.0, 1.0)) / 2;
  return {ratio, percentile(ratios, tail), percentile(ratios, 1 - tail)};
}

}  // namespace flopwall::stats
