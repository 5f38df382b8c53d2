#include "transport/nccl/nccl_comm.hpp"

#include <fmt/format.h>

#include <exception>
#include <thread>
#include <utility>

#include "platform/steady_timer.hpp"
#include "platform/mpi_check.hpp"

namespace flopwall {

NcclComm::NcclComm(MPI_Comm comm, double timeout_s) : m_timeout_s(timeout_s) {
  int rank = 0, size = 1;
  FLOPWALL_MPI_CHECK(MPI_Comm_rank(comm, &rank));
  FLOPWALL_MPI_CHECK(MPI_Comm_size(comm, &size));
  ncclUniqueId id{};
  if (rank == 0) FLOPWALL_NCCL_CHECK(ncclGetUniqueId(&id));
  FLOPWALL_MPI_CHECK(MPI_Bcast(&id, sizeof id, MPI_BYTE, 0, comm));
  ncclConfig_t config = NCCL_CONFIG_INITIALIZER;
  config.blocking = 0;
  FLOPWALL_NCCL_CHECK(ncclCommInitRankConfig(&m_comm, size, id, rank, &config));
  wait_ready("ncclCommInitRankConfig");
}

NcclComm::NcclComm(NcclComm&& other) noexcept
    : m_comm(std::exchange(other.m_comm, nullptr)), m_timeout_s(other.m_timeout_s) {}

NcclComm::~NcclComm() {
  if (!m_comm) return;
  if (std::uncaught_exceptions() > 0) {
    static_cast<void>(ncclCommAbort(m_comm));
    return;
  }
  // Finalize flushes outstanding work; non-blocking, so it gets the same deadline.
  try {
    FLOPWALL_NCCL_CHECK(ncclCommFinalize(m_comm));
    wait_ready("ncclCommFinalize");
    static_cast<void>(ncclCommDestroy(m_comm));
  } catch (...) {
    static_cast<void>(ncclCommAbort(m_comm));
  }
}

void NcclComm::wait_ready(const char* what) const {
  const std::int64_t started = steady_now_ns();
  for (;;) {
    ncclResult_t state = ncclSuccess;
    FLOPWALL_NCCL_CHECK(ncclCommGetAsyncError(m_comm, &state));
    if (state == ncclSuccess) return;
    if (state != ncclInProgress)
      throw std::runtime_error(fmt::format("{} failed: {} ({})", what, ncclGetErrorString(state), ncclGetLastError(m_comm)));
    if (static_cast<double>(steady_now_ns() - started) / 1e9 > m_timeout_s)
      throw std::runtime_error(fmt::format("{} did not complete within --timeout {} s", what, m_timeout_s));
    std::this_thread::yield();
  }
}

void NcclComm::check_async_error() const {
  ncclResult_t state = ncclSuccess;
  FLOPWALL_NCCL_CHECK(ncclCommGetAsyncError(m_comm, &state));
  if (state != ncclSuccess && state != ncclInProgress)
    throw std::runtime_error(fmt::format("NCCL reported an asynchronous error: {} ({})", ncclGetErrorString(state),
                                         ncclGetLastError(m_comm)));
}

}  // namespace flopwall
