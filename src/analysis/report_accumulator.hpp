#pragma once
// Accumulates the report's totals (report_totals.hpp) window by window:
// each window's events are added to sums and sketches and then forgotten,
// so memory follows the window, not the trace. Collective instances are
// complete within a window (trace_window.hpp) and are settled there.
#include <cstdint>
#include <string>
#include <vector>

#include "analysis/report_totals.hpp"
#include "analysis/trace_window.hpp"
#include "trace/trace_data.hpp"

namespace flopwall {

// The report's op names: the vocabulary's names in first-seen order (ops
// are reported by name, over layers), and each op id's index among them.
struct OpNames {
  std::vector<std::string> names;
  std::vector<std::size_t> of_op;  // by op id
};
OpNames report_op_names(const std::vector<OpInfo>& ops);

class ReportAccumulator {
 public:
  // `meta`: the trace's header, ops and ranks' info (events not needed); it
  // must outlive the accumulator.
  explicit ReportAccumulator(const TraceData& meta);

  void consume(const TraceWindow& window);
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
  void settle_instances();
  void settle_instance(const Arrival* first, const Arrival* end);

  const TraceData& m_meta;
  OpNames m_names;
  std::vector<std::vector<std::int64_t>> m_group_of_op;  // [rank][op]: its group id for the op's communicator
  std::vector<double> m_max_clock_error_ns;              // [rank]
  ReportTotals m_totals;
  // Scratch, reused from window to window.
  std::vector<Arrival> m_arrivals;
  std::vector<int128_t> m_step_ns;
  std::vector<std::int64_t> m_span_start, m_span_end;
};

// The totals of a trace held in memory, as one window of all its events
// over iterations 0 .. iteration_count(trace) − 1.
ReportTotals accumulate_trace(const TraceData& trace);

}  // namespace flopwall
