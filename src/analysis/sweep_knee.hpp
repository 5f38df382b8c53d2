#pragma once
// Where growing a knob stops paying (docs/metrics.md, "Workload sweeps"):
// the knee of a throughput curve and the largest value within a latency
// SLO. Pure functions of the points, so they are tested on synthetic curves.
#include <cstddef>
#include <optional>
#include <vector>

namespace flopwall {

// The share of the best throughput the knee must reach.
inline constexpr double k_knee_fraction = 0.9;

// `values` ascending, `throughput` beside them (NaN: not measured). The
// index of the smallest value whose throughput is at least k_knee_fraction
// of the best; none when no point has a positive finite throughput.
std::optional<std::size_t> knee_index(const std::vector<double>& values, const std::vector<double>& throughput);

// `values` ascending, `p99_s` beside them. The index of the largest value
// whose p99 stays within `slo_s` with every smaller value within it too:
// the value just before the first one past the limit (a NaN p99 counts as
// past it). A value beyond a violation is no safe operating point, even
// when noise brings its own p99 back under the limit. None when the
// smallest value already misses the SLO.
std::optional<std::size_t> slo_max_index(const std::vector<double>& values, const std::vector<double>& p99_s,
                                         double slo_s);

}  // namespace flopwall
