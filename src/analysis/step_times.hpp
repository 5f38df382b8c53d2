#pragma once
// Step time: per iteration, the slowest rank's span (nccl-tests' convention:
// an iteration takes as long as its slowest rank). Computed once per report
// and handed to every section that shows a figure of it.
#include <cstdint>
#include <limits>

#include "core/quantile_sketch.hpp"
#include "trace/trace_data.hpp"

namespace flopwall {

struct ReportTotals;

struct StepTimes {
  static constexpr double k_none = std::numeric_limits<double>::quiet_NaN();
  std::int64_t count = 0;  // iterations; 0 for a sweep: its iterations are not steps
  // Over iterations; NaN when there are none (docs/metrics.md, "Statistics";
  // percentiles of long runs: "Percentiles of long series").
  double mean_s = k_none, p50_s = k_none, p90_s = k_none, p99_s = k_none, p999_s = k_none, max_s = k_none;
  double total_s = 0;  // Σ step times: the denominator of the per op shares
  bool empty() const noexcept { return count == 0; }
};

// The figures of accumulated totals: iterations without an event count as 0.
StepTimes step_times_from(const ReportTotals& totals);
// Every iteration's step in one sketch, those without an event as 0: what
// the percentiles above and the report's step-time CDF are read from.
stats::QuantileSketch all_steps(const ReportTotals& totals);

}  // namespace flopwall
