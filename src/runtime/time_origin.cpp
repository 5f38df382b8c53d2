#include "runtime/time_origin.hpp"

#include "platform/mpi_check.hpp"
#include "platform/steady_clock.hpp"

namespace flopwall {

std::int64_t common_time_origin(MPI_Comm comm, const ClockEstimate& clock) {
  FLOPWALL_MPI_CHECK(MPI_Barrier(comm));
  std::int64_t origin_ns = steady_now_ns() - clock.offset_ns;  // on rank 0's clock
  FLOPWALL_MPI_CHECK(MPI_Bcast(&origin_ns, 1, MPI_INT64_T, 0, comm));
  return origin_ns;
}

}  // namespace flopwall
