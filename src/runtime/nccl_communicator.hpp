#pragma once
// The transformer workload's Communicator over NCCL: one NcclComm per group
// (world, TP, DP). Collectives run on their own stream, ordered after and
// before the compute stream by events.
#include <cuda_runtime_api.h>

#include <optional>
#include <vector>

#include "platform/cuda/cuda_resources.hpp"
#include "runtime/communicator.hpp"
#include "transport/nccl/nccl_comm.hpp"
#include "model/model_shape.hpp"
#include "platform/mpi_environment.hpp"

namespace flopwall {

class NcclCommunicator final : public Communicator {
 public:
  NcclCommunicator(MPI_Comm world, const ParallelLayout& layout, cudaStream_t compute_stream, double timeout_s);

  std::string_view name() const noexcept override { return "nccl"; }
  int size(CommGroup group) const override;
  int rank(CommGroup group) const override;
  void allreduce_sum(void* buffer, std::int64_t count, DType dtype, CommGroup group) override;
  void barrier(CommGroup group) override;

  // Throws if any communicator has reported an asynchronous error.
  void check_async_errors() const;

 private:
  struct Group {
    MpiComm mpi;  // the same members, for host-side barriers and the id broadcast
    std::optional<NcclComm> nccl;
  };
  const Group& group(CommGroup g) const;

  std::vector<Group> m_groups;  // world, tp, dp
  cudaStream_t m_compute;
  cuda::Stream m_comm_stream;
  cuda::Event m_ready, m_done;
};

ncclDataType_t nccl_datatype(DType dtype);

}  // namespace flopwall
