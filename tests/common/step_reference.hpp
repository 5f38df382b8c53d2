#pragma once
// Reference step times and synchronization figures of a trace held in
// memory, computed the plain way (every iteration's slowest-rank span kept,
// exact percentiles): what the tests hold the report's accumulated figures
// (step_times_from, sync_report) against, and how they feed hand-made step
// times to the sync analysis.
#include <algorithm>
#include <vector>

#include "analysis/iteration_spans.hpp"
#include "analysis/report_accumulator.hpp"
#include "analysis/sections/sync_section.hpp"
#include "analysis/step_times.hpp"
#include "core/statistics.hpp"
#include "core/units.hpp"

namespace flopwall::reference {

// Per iteration 0 .. iterations−1, the slowest rank's span in seconds (0
// for an iteration without events).
inline std::vector<double> step_seconds(const TraceData& trace, int iterations) {
  std::vector<double> step_s(static_cast<std::size_t>(std::max(iterations, 0)), 0.0);
  for (const RankTrace& rank : trace.ranks) {
    const auto spans = iteration_spans(rank, iterations);
    for (std::size_t i = 0; i < step_s.size(); ++i)
      if (spans[i].seen()) step_s[i] = std::max(step_s[i], spans[i].duration_ns() / units::k_ns_per_s);
  }
  return step_s;
}

// The figures of given per-iteration step times, exact.
inline StepTimes step_times_of(const std::vector<double>& v) {
  StepTimes t{.count = static_cast<std::int64_t>(v.size())};
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

inline StepTimes measure_step_times(const TraceData& trace, int iterations) {
  return step_times_of(step_seconds(trace, iterations));
}

// The synchronization figures of a whole trace, with the given step times.
inline SyncReport analyze_sync(const TraceData& trace, const StepTimes& steps) {
  return sync_report(trace, accumulate_trace(trace), steps);
}

}  // namespace flopwall::reference
