#pragma once
// Synchronization: for every collective instance (op, iteration, group) the
// ranks' arrivals on rank 0's timeline, the arrival skew, each rank's wait
// and the transfer after the last arrival; per rank the split of an
// iteration into compute, exposed communication, waiting and the rest; and
// the ranks that arrive last more often than chance (stragglers).
// docs/metrics.md ("Synchronization") gives every formula; the section renders
// them as text, the JSON `sync` object and the CSV tables sync, sync_ops,
// sync_ranks and stragglers.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "analysis/report_section.hpp"
#include "analysis/report_totals.hpp"

namespace flopwall {

struct SyncOpSkew {
  std::string name;
  std::int64_t instances = 0;
  double p50_us = 0, p99_us = 0, max_us = 0;
  double clock_error_us = 0;  // the largest error bound of the ranks involved
  std::int64_t unresolved = 0;  // instances whose skew is within the clock error
};

struct SyncRank {
  int rank = 0;
  // Means per iteration.
  double compute_s = 0;  // compute and memory ops
  double comm_s = 0;     // exposed communication: comm ops after the last arrival
  double wait_s = 0;     // comm ops before the last arrival: waiting for peers
  double other_s = 0;    // the rest of the iteration span (gaps, injected idle time)
  // Arrival order over the collective instances this rank took part in.
  std::int64_t instances = 0;
  std::int64_t times_last = 0;
  double expected_last = 0;     // Σ 1/group size: times last by chance
  double mean_wait_us = 0;      // per collective instance
  double last_arrival_fraction = 0;
  double mean_lateness_us = 0;  // when last: its arrival minus the next-latest
  double z_score = 0;           // (times_last − expected) / binomial σ
};

struct Straggler {
  int rank = 0;
  double last_arrival_fraction = 0;
  double mean_lateness_us = 0;
};

struct SyncReport {
  bool has_collectives = false;
  // The step time's figures (step_times.hpp) as this section shows them; 0
  // where the trace has no steps (a sweep).
  double step_p50_s = 0, step_p90_s = 0, step_p99_s = 0, step_p999_s = 0, step_max_s = 0;
  std::int64_t instances = 0;
  std::int64_t unresolved = 0;
  double skew_p50_us = 0, skew_p99_us = 0, skew_max_us = 0;
  double lateness_threshold_us = 0;
  std::vector<SyncOpSkew> ops;
  std::vector<SyncRank> ranks;
  std::vector<Straggler> stragglers;  // worst first; empty when nobody stands out
};

// `steps`: the run's step times; empty for a sweep, whose iterations are not steps.
SyncReport sync_report(const TraceData& meta, const ReportTotals& totals, const StepTimes& steps);
std::unique_ptr<ReportSection> make_sync_section(const ReportContext& context);

}  // namespace flopwall
