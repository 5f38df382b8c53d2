#include <gtest/gtest.h>

#include "runtime/mpi_communicator.hpp"

namespace flopwall {
namespace {

TEST(MpiCommunicator, GroupsFollowTheLayout) {
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  const int tp = size >= 2 ? 2 : 1;
  MpiCommunicator comm(MPI_COMM_WORLD, {.world_size = size, .tp = tp});
  EXPECT_EQ(comm.size(CommGroup::tp), tp);
  EXPECT_EQ(comm.size(CommGroup::dp), size / tp);
  EXPECT_EQ(comm.rank(CommGroup::tp), rank % tp);
  EXPECT_EQ(comm.rank(CommGroup::dp), rank / tp);
  EXPECT_EQ(comm.size(CommGroup::world), size);
}

TEST(MpiCommunicator, AllreduceSumsExactlyWithinEachGroup) {
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  const int tp = size >= 2 ? 2 : 1;
  MpiCommunicator comm(MPI_COMM_WORLD, {.world_size = size, .tp = tp});
  // Small integers are exact in floating point, so the sums must be too.
  std::vector<float> f(1000);
  std::vector<double> d(1000);
  for (std::size_t i = 0; i < f.size(); ++i) f[i] = d[i] = static_cast<double>(rank + 1) * static_cast<double>(i % 7);
  comm.allreduce_sum(f.data(), static_cast<std::int64_t>(f.size()), DType::fp32, CommGroup::tp);
  comm.allreduce_sum(d.data(), static_cast<std::int64_t>(d.size()), DType::fp64, CommGroup::world);
  const int first = rank - rank % tp;
  double tp_ranks_sum = 0;
  for (int r = first; r < first + tp; ++r) tp_ranks_sum += r + 1;
  const double world_ranks_sum = size * (size + 1) / 2.0;
  for (std::size_t i = 0; i < f.size(); ++i) {
    ASSERT_EQ(f[i], static_cast<float>(tp_ranks_sum * static_cast<double>(i % 7))) << i;
    ASSERT_EQ(d[i], world_ranks_sum * static_cast<double>(i % 7)) << i;
  }
}

}  // namespace
}  // namespace flopwall
