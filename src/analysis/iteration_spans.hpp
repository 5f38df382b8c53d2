#pragma once
// An iteration on one rank lasts from its first op's start to its last op's
// end. Both the run figures and the synchronization split build on this; a
// trace read window by window takes its spans as it reads
// (window_reader.hpp), a trace in memory here (report_accumulator.cpp).
// The reader admits only iterations 0 .. events−1; these helpers still skip
// anything else, so odd data costs figures, never memory or a crash.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <vector>

#include "trace/trace_data.hpp"

namespace flopwall {

struct IterationSpan {
  std::int64_t start_ns = std::numeric_limits<std::int64_t>::max();
  std::int64_t end_ns = std::numeric_limits<std::int64_t>::min();
  bool seen() const noexcept { return end_ns >= start_ns; }
  // end − start in double: a difference of two int64 stamps may not fit one.
  double duration_ns() const noexcept { return static_cast<double>(end_ns) - static_cast<double>(start_ns); }
};

// An event's duration, computed so that no pair of stamps can overflow.
inline double duration_ns(const TraceEvent& e) noexcept {
  return static_cast<double>(e.t_end_ns) - static_cast<double>(e.t_start_ns);
}

// 1 + the largest iteration index of any event of any rank. Iterations are
// numbered without gaps and each has an event, so a rank's count is at most
// its number of events: larger indices are not counted.
inline int iteration_count(const TraceData& trace) {
  std::int64_t n = 0;
  for (const RankTrace& r : trace.ranks) {
    const auto bound =
        static_cast<std::int64_t>(std::min<std::size_t>(r.events.size(), std::numeric_limits<int>::max()));
    for (const TraceEvent& e : r.events)
      if (e.iter >= 0 && e.iter < bound) n = std::max<std::int64_t>(n, std::int64_t{e.iter} + 1);
  }
  return static_cast<int>(n);
}

// Per iteration 0..iterations−1; an iteration without events is not seen().
inline std::vector<IterationSpan> iteration_spans(const RankTrace& rank, int iterations) {
  std::vector<IterationSpan> spans(static_cast<std::size_t>(std::max(iterations, 0)));
  for (const TraceEvent& e : rank.events) {
    if (e.iter < 0 || e.iter >= iterations) continue;
    auto& s = spans[static_cast<std::size_t>(e.iter)];
    s.start_ns = std::min(s.start_ns, e.t_start_ns);
    s.end_ns = std::max(s.end_ns, e.t_end_ns);
  }
  return spans;
}

}  // namespace flopwall
