#pragma once
// Accumulates the report's totals (report_totals.hpp) as a trace is read:
// a rank's rows go to sums and sketches as they are read (add_events), and
// a digest of them, its iteration spans and comm arrivals, goes to windows
// of iterations across all ranks (trace_window.hpp), where step times and
// collective instances are settled. Nothing is kept per event.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "analysis/async_ops.hpp"
#include "analysis/report_totals.hpp"
#include "analysis/trace_window.hpp"
#include "trace/trace_data.hpp"

namespace flopwall {

// The report's op names: the vocabulary's names in first-seen order (ops
// are reported by name, over layers), and each op id's index among them.
struct OpNames {
  std::vector<std::string> names;
  std::vector<std::size_t> of_op;  // by op id
  std::vector<std::size_t> first_op;  // by name: the id of its first op (its kind and group stand for the name's)
};
OpNames report_op_names(const std::vector<OpInfo>& ops);

class ReportAccumulator {
 public:
  // `meta`: the trace's header, ops and ranks' info (events not needed); it
  // must outlive the accumulator.
  explicit ReportAccumulator(const TraceData& meta);

  // Per-event figures of a rank's rows: per op, per op kind, FLOPs.
  void add_events(std::size_t rank, std::span<const TraceEvent> events);
  // Spans and arrivals of iterations [window.first_iter, window.end_iter).
  void consume(const TraceWindow& window);
  // The op kinds, for digests: whether an op id is a comm op.
  bool is_comm(std::int32_t op) const noexcept {
    return op >= 0 && static_cast<std::size_t>(op) < m_meta.ops.size() &&
           m_meta.ops[static_cast<std::size_t>(op)].kind == OpKind::comm;
  }
  const ReportTotals& totals() const noexcept { return m_totals; }
  ReportTotals take() noexcept { return std::move(m_totals); }

 private:
  struct Arrival {
    std::int32_t op, iter;
    std::int64_t group;
    std::uint32_t rank;
    std::int64_t start_ns, end_ns;
  };
  void add_spans(const TraceWindow& window);
  void track_in_flight(std::size_t rank_index, const TraceEvent& e, int128_t duration);
  void settle_instances();
  void settle_instance(const Arrival* first, const Arrival* end);

  // A rank's nonblocking collectives in flight as its rows are read in
  // order: the iteration, and each open start's op id and start stamp.
  struct InFlight {
    std::int32_t iter = -1;
    std::vector<std::pair<std::int32_t, std::int64_t>> open;
    std::int64_t since_ns = 0;  // when the first of those now open started
  };

  const TraceData& m_meta;
  bool m_serve = false;  // some op has a decode step: keep the serve step spans
  AsyncOps m_async;
  bool m_has_async = false;
  std::vector<InFlight> m_in_flight;  // by rank
  OpNames m_names;
  std::vector<std::vector<std::int64_t>> m_group_of_op;  // [rank][op]: its group id for the op's communicator
  std::vector<double> m_max_clock_error_ns;              // [rank]
  ReportTotals m_totals;
  // Scratch, reused from window to window.
  std::vector<Arrival> m_arrivals;
  std::vector<int128_t> m_step_ns;
  std::vector<double> m_step_s;
};

// The totals of a trace held in memory: all its events, and one window of
// iterations 0 .. iteration_count(trace) − 1 (arrivals of any iteration, as
// odd data may have).
ReportTotals accumulate_trace(const TraceData& trace);

}  // namespace flopwall
