#include "runtime/nccl_communicator.hpp"

#include <stdexcept>

#include "model/plan.hpp"
#include "platform/mpi_check.hpp"

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
      m_done(cuda::make_event(false)) {
  int world_rank = 0;
  FLOPWALL_MPI_CHECK(MPI_Comm_rank(world, &world_rank));
  const RankPosition pos = rank_position(layout, world_rank);
  m_groups.resize(3);
  m_groups[0].mpi = split_comm(world, 0, world_rank);
  m_groups[1].mpi = split_comm(world, pos.dp_rank, pos.tp_rank);
  m_groups[2].mpi = split_comm(world, pos.tp_rank, pos.dp_rank);
  // One group at a time, in the same order on every rank.
  for (Group& g : m_groups) g.nccl.emplace(g.mpi.get(), timeout_s);
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
  const NcclComm& comm = *group(g).nccl;
  FLOPWALL_CUDA_CHECK(cudaEventRecord(m_ready.get(), m_compute));
  FLOPWALL_CUDA_CHECK(cudaStreamWaitEvent(m_comm_stream.get(), m_ready.get(), 0));
  comm.enqueue("ncclAllReduce", [&] {
    return ncclAllReduce(buffer, buffer, static_cast<std::size_t>(count), nccl_datatype(dtype), ncclSum, comm.get(),
                         m_comm_stream.get());
  });
  FLOPWALL_CUDA_CHECK(cudaEventRecord(m_done.get(), m_comm_stream.get()));
  FLOPWALL_CUDA_CHECK(cudaStreamWaitEvent(m_compute, m_done.get(), 0));
}

void NcclCommunicator::barrier(CommGroup g) { FLOPWALL_MPI_CHECK(MPI_Barrier(group(g).mpi.get())); }

void NcclCommunicator::check_async_errors() const {
  for (const Group& g : m_groups)
    if (g.nccl) g.nccl->check_async_error();
}

}  // namespace flopwall
