#pragma once
// Offset of this rank's steady clock from rank 0's, by ping-pong: of K round
// trips keep the one with the smallest round-trip time; the offset is the
// peer's stamp minus the midpoint of rank 0's send and receive, and its error
// is bounded by half that round trip (docs/metrics.md).
#include <mpi.h>

#include <cstdint>
#include <functional>

namespace flopwall {

struct ClockEstimate {
  std::int64_t offset_ns = 0;  // this rank's clock minus rank 0's
  std::int64_t error_ns = 0;   // |true offset − offset_ns| ≤ error_ns
};

using ClockFn = std::function<std::int64_t()>;

// Collective over `comm`. `clock` reads this rank's clock in ns (the steady
// clock by default; tests pass a shifted one).
ClockEstimate estimate_clock_offset(MPI_Comm comm, int rounds = 32, const ClockFn& clock = {});

}  // namespace flopwall
