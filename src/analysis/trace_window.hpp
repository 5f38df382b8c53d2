#pragma once
// A window of a trace: every rank's events of iterations [first_iter,
// end_iter), handed to the report's accumulators at once, because a
// collective instance needs every rank's arrival together. A window read
// from a file (window_reader.hpp) holds exactly those events; the one
// window of a trace in memory holds all its events, odd ones included.
#include <cstdint>
#include <span>
#include <vector>

#include "trace/trace_event.hpp"

namespace flopwall {

struct TraceWindow {
  std::int64_t first_iter = 0;
  std::int64_t end_iter = 0;  // iteration spans are taken in [first_iter, end_iter) only
  std::vector<std::span<const TraceEvent>> ranks;  // by index into the trace's ranks
};

}  // namespace flopwall
