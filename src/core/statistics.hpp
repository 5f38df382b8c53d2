#pragma once
// Summary statistics as small pure functions (the one statistics module).
#include <cstdint>
#include <span>
#include <vector>

namespace flopwall::stats {

double mean(std::span<const double> values) noexcept;
// q in [0, 1]; linear interpolation between closest ranks, as numpy's and
// pandas' default: position (n − 1)·q in the sorted values, NaN values left
// out (as pandas does). NaN when nothing is left.
double percentile(std::span<const double> values, double q);
double max(std::span<const double> values) noexcept;

struct Summary {
  double mean = 0, p50 = 0, p99 = 0, max = 0;
};
Summary summarize(std::span<const double> values);

// The q-percentile of `other` over that of `baseline`, and its percentile
// bootstrap interval: both series are resampled with replacement
// `resamples` times (a fixed seed, so a report is reproducible), the ratio
// taken each time, and the (1 − confidence)/2 and (1 + confidence)/2
// percentiles of those ratios are the interval. NaN values are left out;
// every figure is NaN when either series is then empty or the baseline's
// percentile is not positive. docs/metrics.md, "Comparing runs".
struct RatioInterval {
  double ratio = 0, low = 0, high = 0;
};
RatioInterval bootstrap_percentile_ratio(std::span<const double> baseline, std::span<const double> other, double q,
                                         int resamples, double confidence, std::uint64_t seed = 0x5eed);

}  // namespace flopwall::stats
