#include "collectives/nccl/nccl_communicator.hpp"

#include <fmt/format.h>

#include <exception>
#include <stdexcept>
#include <thread>

#include "backend/steady_timer.hpp"
#include "model/plan.hpp"
#include "runtime/mpi_check.hpp"

#define FLOPWALL_NCCL_CHECK(call)                                                                         \
  do {                                                                                                    \
    const ncclResult_t flopwall_nccl_rc_ = (call);                                                        \
    if (flopwall_nccl_rc_ != ncclSuccess && flopwall_nccl_rc_ != ncclInProgress)                          \
      throw std::runtime_error(::flopwall::failure_message(__FILE__, __LINE__, #call,                     \
                                                           ncclGetErrorString(flopwall_nccl_rc_)));       \
  } while (0)

namespace flopwall {

ncclDataType_t nccl_datatype(DType dtype) {
  switch (dtype) {
    case DType::fp32:
    case DType::tf32: return ncclFloat32;
    case DType::fp16: return ncclFloat16;
    case DType::bf16:
    case DType::fp8: return ncclBfloat16;  // fp8 runs keep activations in bf16
    case DType::fp64: return ncclFloat64;
  }
  throw std::invalid_argument("unhandled dtype");
}

NcclCommunicator::NcclCommunicator(MPI_Comm world, const ParallelLayout& layout, cudaStream_t compute_stream,
                                   double timeout_s)
    : m_compute(compute_stream),
      m_comm_stream(cuda::make_stream()),
      m_ready(cuda::make_event(false)),
      m_done(cuda::make_event(false)),
      m_timeout_s(timeout_s) {
  int world_rank = 0;
  FLOPWALL_MPI_CHECK(MPI_Comm_rank(world, &world_rank));
  const RankPosition pos = rank_position(layout, world_rank);
  m_groups[0].mpi = split_comm(world, 0, world_rank);
  m_groups[1].mpi = split_comm(world, pos.dp_rank, pos.tp_rank);
  m_groups[2].mpi = split_comm(world, pos.tp_rank, pos.dp_rank);
  // One group at a time, in the same order on every rank.
  for (Group& g : m_groups) init(g, g.mpi.get());
}

NcclCommunicator::~NcclCommunicator() {
  const bool unwinding = std::uncaught_exceptions() > 0;
  for (Group& g : m_groups) {
    if (!g.nccl) continue;
    if (unwinding) {
      static_cast<void>(ncclCommAbort(g.nccl));
    } else {
      // Finalize flushes outstanding work; with a non-blocking communicator it
      // may report in-progress, so give it the same timeout as everything else.
      try {
        FLOPWALL_NCCL_CHECK(ncclCommFinalize(g.nccl));
        wait_ready(g.nccl, "ncclCommFinalize");
        static_cast<void>(ncclCommDestroy(g.nccl));
      } catch (...) {
        static_cast<void>(ncclCommAbort(g.nccl));
      }
    }
    g.nccl = nullptr;
  }
}

void NcclCommunicator::init(Group& g, MPI_Comm comm) {
  int rank = 0, size = 1;
  FLOPWALL_MPI_CHECK(MPI_Comm_rank(comm, &rank));
  FLOPWALL_MPI_CHECK(MPI_Comm_size(comm, &size));
  ncclUniqueId id{};
  if (rank == 0) FLOPWALL_NCCL_CHECK(ncclGetUniqueId(&id));
  FLOPWALL_MPI_CHECK(MPI_Bcast(&id, sizeof id, MPI_BYTE, 0, comm));
  ncclConfig_t config = NCCL_CONFIG_INITIALIZER;
  config.blocking = 0;
  FLOPWALL_NCCL_CHECK(ncclCommInitRankConfig(&g.nccl, size, id, rank, &config));
  wait_ready(g.nccl, "ncclCommInitRankConfig");
}

// A non-blocking NCCL call may return before it is done; poll its state.
void NcclCommunicator::wait_ready(ncclComm_t comm, const char* what) const {
  const std::int64_t started = steady_now_ns();
  for (;;) {
    ncclResult_t state = ncclSuccess;
    FLOPWALL_NCCL_CHECK(ncclCommGetAsyncError(comm, &state));
    if (state == ncclSuccess) return;
    if (state != ncclInProgress)
      throw std::runtime_error(fmt::format("{} failed: {} ({})", what, ncclGetErrorString(state), ncclGetLastError(comm)));
    if (static_cast<double>(steady_now_ns() - started) / 1e9 > m_timeout_s)
      throw std::runtime_error(fmt::format("{} did not complete within --timeout {} s", what, m_timeout_s));
    std::this_thread::yield();
  }
}

NcclCommunicator::Group& NcclCommunicator::group(CommGroup g) {
  return const_cast<Group&>(static_cast<const NcclCommunicator*>(this)->group(g));
}

const NcclCommunicator::Group& NcclCommunicator::group(CommGroup g) const {
  switch (g) {
    case CommGroup::world: return m_groups[0];
    case CommGroup::tp: return m_groups[1];
    case CommGroup::dp: return m_groups[2];
    case CommGroup::none: break;
  }
  throw std::logic_error("collective issued on CommGroup::none");
}

int NcclCommunicator::size(CommGroup g) const { return group(g).mpi.size(); }
int NcclCommunicator::rank(CommGroup g) const { return group(g).mpi.rank(); }

void NcclCommunicator::allreduce_sum(void* buffer, std::int64_t count, DType dtype, CommGroup g) {
  ncclComm_t comm = group(g).nccl;
  FLOPWALL_CUDA_CHECK(cudaEventRecord(m_ready.get(), m_compute));
  FLOPWALL_CUDA_CHECK(cudaStreamWaitEvent(m_comm_stream.get(), m_ready.get(), 0));
  const ncclResult_t rc = ncclAllReduce(buffer, buffer, static_cast<std::size_t>(count), nccl_datatype(dtype), ncclSum,
                                        comm, m_comm_stream.get());
  FLOPWALL_NCCL_CHECK(rc);
  if (rc == ncclInProgress) wait_ready(comm, "ncclAllReduce");
  FLOPWALL_CUDA_CHECK(cudaEventRecord(m_done.get(), m_comm_stream.get()));
  FLOPWALL_CUDA_CHECK(cudaStreamWaitEvent(m_compute, m_done.get(), 0));
}

void NcclCommunicator::barrier(CommGroup g) { FLOPWALL_MPI_CHECK(MPI_Barrier(group(g).mpi.get())); }

void NcclCommunicator::check_async_errors() const {
  for (const Group& g : m_groups) {
    ncclResult_t state = ncclSuccess;
    if (!g.nccl) continue;
    FLOPWALL_NCCL_CHECK(ncclCommGetAsyncError(g.nccl, &state));
    if (state != ncclSuccess && state != ncclInProgress)
      throw std::runtime_error(fmt::format("NCCL reported an asynchronous error: {} ({})", ncclGetErrorString(state),
                                           ncclGetLastError(g.nccl)));
  }
}

}  // namespace flopwall
