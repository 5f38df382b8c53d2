#pragma once
// Summary statistics as small pure functions (the one statistics module).
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

}  // namespace flopwall::stats
