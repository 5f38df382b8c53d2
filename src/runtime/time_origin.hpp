#pragma once
// Time zero of a job's timeline: after a barrier, rank 0's steady clock at
// that moment, known to every rank on rank 0's clock. Runs and sweeps place
// their events on it (rank-0 time = local − clock offset − origin).
#include <mpi.h>

#include <cstdint>

#include "runtime/clock_sync.hpp"

namespace flopwall {

// Collective over `comm` (the job's world); `clock` is this rank's offset to rank 0.
std::int64_t common_time_origin(MPI_Comm comm, const ClockEstimate& clock);

}  // namespace flopwall
