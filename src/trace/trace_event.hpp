#pragma once
// One row of /ranks/NNNNN/events. The layout is the HDF5 compound type
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

}  // namespace flopwall
