#pragma once
// The rows of a rank's tables. One row of /ranks/NNNNN/events. The layout is the HDF5 compound type
// (trace/trace_schema.cpp); 48 bytes, no padding.
#include <cstdint>

namespace flopwall {

struct TraceEvent {
  std::int32_t iter;
  std::int32_t op;
  std::int64_t t_start_ns;  // rank-0 timeline, ns since the run's origin
  std::int64_t t_end_ns;
  std::uint64_t flops;
  std::uint64_t bytes_mem;
  std::uint64_t bytes_comm;
};
static_assert(sizeof(TraceEvent) == 48);

// One row of /ranks/NNNNN/recent_ops: the hang locator's ring of the last
// ops a rank issued (runtime/hang_locator.hpp).
struct RecentOp {
  std::int32_t op;
  std::int32_t iter;
  std::int64_t issued_ns;     // steady clock, when the host issued it
  std::int64_t completed_ns;  // when it returned to the host; -1 while pending
};
// (In the ring, the two stamps are host ticks; recent() converts them.)
static_assert(sizeof(RecentOp) == 24);

}  // namespace flopwall
