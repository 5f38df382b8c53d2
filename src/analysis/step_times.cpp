#include "analysis/step_times.hpp"

#include <algorithm>

#include "analysis/iteration_spans.hpp"
#include "analysis/report_totals.hpp"
#include "core/statistics.hpp"
#include "core/units.hpp"

namespace flopwall {

StepTimes step_times_of(std::vector<double> per_iteration_s) {
  StepTimes t{.count = static_cast<std::int64_t>(per_iteration_s.size()), .per_iteration_s = std::move(per_iteration_s)};
  const std::vector<double>& v = t.per_iteration_s;
  if (v.empty()) return t;
  t.mean_s = stats::mean(v);
  t.p50_s = stats::percentile(v, 0.5);
  t.p90_s = stats::percentile(v, 0.9);
  t.p99_s = stats::percentile(v, 0.99);
  t.p999_s = stats::percentile(v, 0.999);
  t.max_s = stats::max(v);
  for (const double s : v) t.total_s += s;
  return t;
}

StepTimes step_times_from(const ReportTotals& totals) {
  StepTimes t{.count = std::max<std::int64_t>(totals.iterations, 0)};
  if (t.count == 0) return t;
  stats::QuantileSketch steps = totals.step_s;
  // An iteration no rank has events of (a gap in the numbering) is a step of 0 s.
  for (std::int64_t k = totals.steps_seen; k < t.count; ++k) steps.add(0.0);
  t.total_s = totals.step_ns.value() / units::k_ns_per_s;
  t.mean_s = t.total_s / static_cast<double>(t.count);
  t.p50_s = steps.percentile(0.5);
  t.p90_s = steps.percentile(0.9);
  t.p99_s = steps.percentile(0.99);
  t.p999_s = steps.percentile(0.999);
  t.max_s = steps.max();
  return t;
}

StepTimes measure_step_times(const TraceData& trace, int iterations) {
  std::vector<double> step_s(static_cast<std::size_t>(std::max(iterations, 0)), 0.0);
  for (const RankTrace& rank : trace.ranks) {
    const auto spans = iteration_spans(rank, iterations);
    for (std::size_t i = 0; i < step_s.size(); ++i)
      if (spans[i].seen()) step_s[i] = std::max(step_s[i], spans[i].duration_ns() / units::k_ns_per_s);
  }
  return step_times_of(std::move(step_s));
}

}  // namespace flopwall
