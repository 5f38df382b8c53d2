#include "analysis/step_times.hpp"

#include <algorithm>

#include "analysis/iteration_spans.hpp"
#include "core/statistics.hpp"
#include "core/units.hpp"

namespace flopwall {

StepTimes step_times_of(std::vector<double> per_iteration_s) {
  StepTimes t{.per_iteration_s = std::move(per_iteration_s)};
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
