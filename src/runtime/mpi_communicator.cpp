#include "runtime/mpi_communicator.hpp"

#include <climits>
#include <stdexcept>

#include "model/plan.hpp"
#include "platform/mpi_check.hpp"

namespace flopwall {

// The MPI communicator moves host buffers of the cpu backend: fp32 or fp64.
MPI_Datatype mpi_datatype(DType dtype) noexcept {
  if (dtype == DType::fp32) return MPI_FLOAT;
  if (dtype == DType::fp64) return MPI_DOUBLE;
  return MPI_DATATYPE_NULL;
}

MpiCommunicator::MpiCommunicator(MPI_Comm world, const ParallelLayout& layout) : m_world(world) {
  int world_rank = 0;
  FLOPWALL_MPI_CHECK(MPI_Comm_rank(world, &world_rank));
  const RankPosition pos = rank_position(layout, world_rank);
  m_tp = split_comm(world, pos.dp_rank, pos.tp_rank);
  m_dp = split_comm(world, pos.tp_rank, pos.dp_rank);
}

MPI_Comm MpiCommunicator::comm(CommGroup group) const {
  switch (group) {
    case CommGroup::tp: return m_tp.get();
    case CommGroup::dp: return m_dp.get();
    case CommGroup::world: return m_world;
    case CommGroup::none: break;
  }
  throw std::logic_error("collective issued on CommGroup::none");
}

int MpiCommunicator::size(CommGroup group) const {
  int s = 0;
  FLOPWALL_MPI_CHECK(MPI_Comm_size(comm(group), &s));
  return s;
}

int MpiCommunicator::rank(CommGroup group) const {
  int r = 0;
  FLOPWALL_MPI_CHECK(MPI_Comm_rank(comm(group), &r));
  return r;
}

void MpiCommunicator::allreduce_sum(void* buffer, std::int64_t count, DType dtype, CommGroup group) {
  // MPI counts are int; a larger payload would need MPI-4 large counts.
  if (count > INT_MAX) throw std::runtime_error("allreduce of more than INT_MAX elements is not supported by MPI-3");
  FLOPWALL_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, buffer, static_cast<int>(count), mpi_datatype(dtype), MPI_SUM,
                                   comm(group)));
}

void MpiCommunicator::barrier(CommGroup group) { FLOPWALL_MPI_CHECK(MPI_Barrier(comm(group))); }

}  // namespace flopwall
