#pragma once
// Collectives over MPI communicators: world, the TP group (consecutive world
// ranks) and the DP group (same TP rank across replicas).
#include "runtime/communicator.hpp"
#include "model/model_shape.hpp"
#include "platform/mpi_environment.hpp"

namespace flopwall {

class MpiCommunicator final : public Communicator {
 public:
  MpiCommunicator(MPI_Comm world, const ParallelLayout& layout);

  std::string_view name() const noexcept override { return "mpi"; }
  int size(CommGroup group) const override;
  int rank(CommGroup group) const override;
  void allreduce_sum(void* buffer, std::int64_t count, DType dtype, CommGroup group) override;
  void barrier(CommGroup group) override;

 private:
  MPI_Comm comm(CommGroup group) const;

  MPI_Comm m_world;
  MpiComm m_tp;
  MpiComm m_dp;
};

MPI_Datatype mpi_datatype(DType dtype) noexcept;

}  // namespace flopwall
