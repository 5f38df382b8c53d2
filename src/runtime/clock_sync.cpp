#include "runtime/clock_sync.hpp"

#include <array>
#include <limits>

#include "platform/steady_timer.hpp"
#include "platform/mpi_check.hpp"

namespace flopwall {
namespace {
constexpr int k_tag_ping = 7101;
constexpr int k_tag_pong = 7102;
constexpr int k_tag_result = 7103;
}  // namespace

ClockEstimate estimate_clock_offset(MPI_Comm comm, int rounds, const ClockFn& clock) {
  const ClockFn now = clock ? clock : ClockFn(steady_now_ns);
  int rank = 0, size = 1;
  FLOPWALL_MPI_CHECK(MPI_Comm_rank(comm, &rank));
  FLOPWALL_MPI_CHECK(MPI_Comm_size(comm, &size));
  if (size == 1) return {};

  if (rank != 0) {
    for (int i = 0; i < rounds; ++i) {
      std::int64_t ping = 0;
      FLOPWALL_MPI_CHECK(MPI_Recv(&ping, 1, MPI_INT64_T, 0, k_tag_ping, comm, MPI_STATUS_IGNORE));
      const std::int64_t stamp = now();
      FLOPWALL_MPI_CHECK(MPI_Send(&stamp, 1, MPI_INT64_T, 0, k_tag_pong, comm));
    }
    std::array<std::int64_t, 2> result{};
    FLOPWALL_MPI_CHECK(MPI_Recv(result.data(), 2, MPI_INT64_T, 0, k_tag_result, comm, MPI_STATUS_IGNORE));
    return {.offset_ns = result[0], .error_ns = result[1]};
  }

  // Rank 0 measures every peer in turn, so no two exchanges share its time.
  for (int peer = 1; peer < size; ++peer) {
    std::int64_t best_rtt = std::numeric_limits<std::int64_t>::max();
    std::int64_t best_offset = 0;
    for (int i = 0; i < rounds; ++i) {
      const std::int64_t sent = now();
      FLOPWALL_MPI_CHECK(MPI_Send(&sent, 1, MPI_INT64_T, peer, k_tag_ping, comm));
      std::int64_t peer_stamp = 0;
      FLOPWALL_MPI_CHECK(MPI_Recv(&peer_stamp, 1, MPI_INT64_T, peer, k_tag_pong, comm, MPI_STATUS_IGNORE));
      const std::int64_t received = now();
      const std::int64_t rtt = received - sent;
      if (rtt < best_rtt) {
        best_rtt = rtt;
        best_offset = peer_stamp - (sent + rtt / 2);
      }
    }
    const std::array<std::int64_t, 2> result{best_offset, (best_rtt + 1) / 2};
    FLOPWALL_MPI_CHECK(MPI_Send(result.data(), 2, MPI_INT64_T, peer, k_tag_result, comm));
  }
  return {};
}

}  // namespace flopwall
