#include "analysis/step_times.hpp"

#include <algorithm>

#include "analysis/report_totals.hpp"
#include "core/statistics.hpp"
#include "core/units.hpp"

namespace flopwall {

stats::QuantileSketch all_steps(const ReportTotals& totals) {
  stats::QuantileSketch steps = totals.step_s;
  // An iteration no rank has events of (a gap in the numbering) is a step of 0 s.
  for (std::int64_t k = totals.steps_seen; k < totals.iterations; ++k) steps.add(0.0);
  return steps;
}

StepTimes step_times_from(const ReportTotals& totals) {
  StepTimes t{.count = std::max<std::int64_t>(totals.iterations, 0)};
  if (t.count == 0) return t;
  const stats::QuantileSketch steps = all_steps(totals);
  t.total_s = totals.step_ns.value() / units::k_ns_per_s;
  t.mean_s = t.total_s / static_cast<double>(t.count);
  t.p50_s = steps.percentile(0.5);
  t.p90_s = steps.percentile(0.9);
  t.p99_s = steps.percentile(0.99);
  t.p999_s = steps.percentile(0.999);
  t.max_s = steps.max();
  return t;
}

}  // namespace flopwall
