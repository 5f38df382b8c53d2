#pragma once
// What `flopwall report` accumulates from a trace's events before any
// figure is worked out: sums, counts and percentile sketches, nothing per
// event. Totals of disjoint parts of a trace (windows of iterations, the
// ranges of the processes of `mpirun -np K flopwall report`) merge into the
// totals of the whole, in any order, with the same result: every sum is an
// exact integer sum (core/exact_sum.hpp), every percentile series a
// mergeable sketch (core/quantile_sketch.hpp).
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "core/exact_sum.hpp"
#include "core/quantile_sketch.hpp"
#include "analysis/step_series.hpp"

namespace flopwall {

// One op name's events, over all layers, ranks and iterations.
struct OpTotals {
  std::uint64_t count = 0;
  ExactSum time_ns, flops, bytes_mem, bytes_comm;
  stats::QuantileSketch time_s;  // each event's duration
  // A nonblocking collective's start (analysis/async_ops.hpp): from its
  // start to its wait's end, summed; in_flight_count such intervals.
  ExactSum in_flight_ns;
  std::uint64_t in_flight_count = 0;
};

// One rank's events (by index into the trace's ranks).
struct RankTotals {
  ExactSum compute_ns, memory_ns, comm_ns;  // by op kind; idle ops in none
  // Compute and memory ops run while a nonblocking collective of the same
  // iteration was in flight (analysis/async_ops.hpp): communication that
  // could hide behind them.
  ExactSum overlapped_ns;
  ExactSum in_flight_ns;  // time with at least one nonblocking collective in flight (the union of their intervals)
  ExactSum span_ns;                         // iteration spans, summed
  std::int64_t iterations = 0;              // iterations with events
  // Collective instances of two or more ranks it took part in.
  ExactSum wait_ns;          // before the last arrival
  ExactSum exposed_comm_ns;  // after it, and all of a comm op with no peer
  ExactSum lateness_ns;      // when last: its arrival minus the next-latest
  std::int64_t instances = 0, times_last = 0;
  struct GroupSize {
    std::int64_t size = 0, instances = 0;
  };
  std::vector<GroupSize> group_sizes;  // by size
  void count_group_size(std::int64_t size, std::int64_t instances = 1);
};

// One op name's collective instances of two or more ranks.
struct SyncOpTotals {
  std::int32_t first_op = std::numeric_limits<std::int32_t>::max();  // smallest op id seen (report order)
  stats::QuantileSketch skew_us;
  double clock_error_us = 0;  // largest
  std::int64_t unresolved = 0;
};

// Serve mode: one (iteration, step) across every rank, step -1 the prefill
// (docs/metrics.md, "Serve mode"). Sorted by (iter, step); merged by min/max.
struct ServeStepSpan {
  std::int64_t iter = 0;
  std::int32_t step = 0;
  std::int32_t pad_ = 0;
  std::int64_t start_ns = 0, end_ns = 0;
};
// Widens the span of (iter, step) in `spans` to [start_ns, end_ns], adding it where new.
void widen_serve_span(std::vector<ServeStepSpan>& spans, const ServeStepSpan& s);

struct ReportTotals {
  std::int64_t iterations = 0;  // 1 + the largest iteration of any window
  ExactSum flops;               // every event's
  std::vector<OpTotals> ops;    // by op name, in the order of report_op_names
  std::vector<RankTotals> ranks;
  // Step times: per iteration, the slowest rank's span.
  std::int64_t steps_seen = 0;  // iterations with an event on some rank
  ExactSum step_ns;
  stats::QuantileSketch step_s;  // the seen ones; the rest count as 0 (steps())
  StepSeries step_series;        // the seen ones, for the step-time chart (bounded: step_series.hpp)
  // Synchronization.
  bool has_collectives = false;
  std::int64_t instances = 0, unresolved = 0;
  stats::QuantileSketch skew_us;
  std::vector<SyncOpTotals> sync_ops;  // by op name
  std::vector<ServeStepSpan> serve_steps;  // serve traces only (ops with a decode step)

  ReportTotals() = default;
  ReportTotals(std::size_t op_names, std::size_t ranks) : ops(op_names), ranks(ranks), sync_ops(op_names) {}

  void merge(const ReportTotals& other);
  std::string serialize() const;
  static ReportTotals deserialize(const std::string& bytes);
};

}  // namespace flopwall
