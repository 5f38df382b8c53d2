#pragma once
// Collectives over NCCL, one communicator per group (world, TP, DP), created
// from an ncclUniqueId broadcast over MPI. Communicators are non-blocking
// (config.blocking = 0) so no call can hang the host: every wait polls with
// the run's --timeout and NCCL's asynchronous error state. Collectives run on
// their own stream, ordered after and before the compute stream by events.
#include <cuda_runtime_api.h>
#include <mpi.h>
#include <nccl.h>

#include <array>

#include "backend/cuda/cuda_resources.hpp"
#include "collectives/communicator.hpp"
#include "model/model_shape.hpp"
#include "runtime/mpi_environment.hpp"

namespace flopwall {

class NcclCommunicator final : public Communicator {
 public:
  NcclCommunicator(MPI_Comm world, const ParallelLayout& layout, cudaStream_t compute_stream, double timeout_s);
  NcclCommunicator(const NcclCommunicator&) = delete;
  NcclCommunicator& operator=(const NcclCommunicator&) = delete;
  // Destroys the communicators; while an exception unwinds (a timeout, a
  // failed peer) it aborts them instead, which never blocks.
  ~NcclCommunicator() override;

  std::string_view name() const noexcept override { return "nccl"; }
  int size(CommGroup group) const override;
  int rank(CommGroup group) const override;
  void allreduce_sum(void* buffer, std::int64_t count, DType dtype, CommGroup group) override;
  void barrier(CommGroup group) override;

  // Throws if any communicator has reported an asynchronous error.
  void check_async_errors() const;

 private:
  struct Group {
    MpiComm mpi;           // same members, for host-side barriers and the id broadcast
    ncclComm_t nccl = nullptr;
  };
  Group& group(CommGroup g);
  const Group& group(CommGroup g) const;
  void init(Group& g, MPI_Comm comm);
  void wait_ready(ncclComm_t comm, const char* what) const;

  std::array<Group, 3> m_groups;  // world, tp, dp
  cudaStream_t m_compute;
  cuda::Stream m_comm_stream;
  cuda::Event m_ready, m_done;
  double m_timeout_s;
};

ncclDataType_t nccl_datatype(DType dtype);

}  // namespace flopwall
