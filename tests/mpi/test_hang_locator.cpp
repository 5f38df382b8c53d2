#include <gtest/gtest.h>

#include "runtime/hang_locator.hpp"
#include "platform/mpi_environment.hpp"

namespace flopwall {
namespace {

TEST(HangLocator, KeepsTheLast64OpsAndNamesThePendingOne) {
  MPI_Comm node = MPI_COMM_NULL;
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL, &node);
  const MpiComm owned(node);
  {
    HangLocator locator({{"qkv_proj", 0}, {"allreduce_attn", 0}, {"mlp_up", 1}}, MPI_COMM_WORLD, node, 300);
    for (int i = 0; i < 100; ++i) {
      locator.issued(i % 3, i / 3);
      locator.completed();
    }
    const auto recent = locator.recent();
    ASSERT_EQ(recent.size(), HangLocator::k_ring);
    EXPECT_EQ(recent.back().op, 99 % 3);
    EXPECT_EQ(recent.back().iter, 99 / 3);
    EXPECT_EQ(recent.front().iter, 36 / 3);
    for (const RecentOp& r : recent) EXPECT_GE(r.completed_ns, r.issued_ns);
    EXPECT_NE(locator.status_line().find("last completed qkv_proj (layer 0, iteration 33)"), std::string::npos)
        << locator.status_line();

    locator.issued(1, 34);
    const std::string pending = locator.status_line();
    EXPECT_NE(pending.find("pending allreduce_attn (layer 0, iteration 34)"), std::string::npos) << pending;
    locator.completed();
    MPI_Barrier(MPI_COMM_WORLD);
  }
}

}  // namespace
}  // namespace flopwall
