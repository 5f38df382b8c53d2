#pragma once
// A window of a trace: for iterations [first_iter, end_iter), every rank's
// iteration spans and collective arrivals, handed to the report's
// accumulator at once, because a collective instance needs every rank's
// arrival together. Everything else the report counts per event is added
// as a rank's rows are read (ReportAccumulator::add_events), so a window
// holds a digest of about a stored chunk of each rank, not its rows.
#include <cstdint>
#include <span>
#include <vector>

namespace flopwall {

// A rank's iteration: its first op's start to its last op's end.
struct IterationSpanRow {
  std::int64_t iter;
  std::int64_t start_ns, end_ns;
};

// A rank's comm op, as it arrived at the collective and left it.
struct CommArrival {
  std::int32_t op, iter;
  std::int64_t start_ns, end_ns;
};

struct TraceWindow {
  std::int64_t first_iter = 0;
  std::int64_t end_iter = 0;  // 1 + the last iteration of the window
  std::vector<std::span<const IterationSpanRow>> spans;  // by index into the trace's ranks
  std::vector<std::span<const CommArrival>> arrivals;    // by rank index
};

}  // namespace flopwall
