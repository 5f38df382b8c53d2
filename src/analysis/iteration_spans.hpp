#pragma once
// An iteration on one rank lasts from its first op's start to its last op's
// end. Both the run figures and the synchronization split build on this.
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
};

// 1 + the largest iteration index of any event of any rank.
inline int iteration_count(const TraceData& trace) {
  int n = 0;
  for (const RankTrace& r : trace.ranks)
    for (const TraceEvent& e : r.events) n = std::max(n, e.iter + 1);
  return n;
}

// Per iteration 0..iterations−1; an iteration without events is not seen().
inline std::vector<IterationSpan> iteration_spans(const RankTrace& rank, int iterations) {
  std::vector<IterationSpan> spans(static_cast<std::size_t>(iterations));
  for (const TraceEvent& e : rank.events) {
    auto& s = spans[static_cast<std::size_t>(e.iter)];
    s.start_ns = std::min(s.start_ns, e.t_start_ns);
    s.end_ns = std::max(s.end_ns, e.t_end_ns);
  }
  return spans;
}

}  // namespace flopwall
