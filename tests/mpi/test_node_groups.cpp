// Tiers on a pretend layout: FLOPWALL_NODE puts ranks 2k and 2k+1 on node k.
#include <gtest/gtest.h>

#include <cstdlib>
#include <set>

#include "transport/mpi/mpi_transport.hpp"
#include "platform/mpi_check.hpp"
#include "runtime/node_groups.hpp"
#include "sweep/sweep_runner.hpp"

namespace flopwall {
namespace {

class PretendNodes : public testing::Test {
 protected:
  void SetUp() override {
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    setenv("FLOPWALL_NODE", ("node" + std::to_string(rank / 2)).c_str(), 1);
  }
  void TearDown() override { unsetenv("FLOPWALL_NODE"); }
  int rank = 0, size = 1;
};

TEST_F(PretendNodes, IntraHoldsANodeAndInterOneRankPerNode) {
  const NodeGroups g = make_node_groups(MPI_COMM_WORLD, "the-same-host-for-all");
  const int nodes = (size + 1) / 2;
  EXPECT_EQ(g.nodes, nodes);
  EXPECT_EQ(g.node_index, rank / 2);
  EXPECT_EQ(g.node_name, "node" + std::to_string(rank / 2));
  const int on_my_node = std::min(2, size - 2 * (rank / 2));
  EXPECT_EQ(g.intra.size(), on_my_node);
  EXPECT_EQ(g.intra.rank(), rank % 2);
  // Local index 0 exists on every node, index 1 only on full ones.
  const int with_my_index = rank % 2 == 0 ? nodes : size / 2;
  EXPECT_EQ(g.inter.size(), with_my_index);
  EXPECT_EQ(g.inter.rank(), rank / 2);
}

TEST_F(PretendNodes, SweepReportsEveryTierWithCorrectResults) {
  SweepConfig c;
  c.collectives = all_collectives();
  c.min_bytes = 64;
  c.max_bytes = 4096;
  c.step_factor = 8;
  c.iters = 3;
  c.warmup = 1;
  c.tiers = {Tier::world, Tier::intra, Tier::inter};
  c.backend = "cpu";
  c.type = ElementType::int32;
  SweepTrace trace;
  const SweepResult r = run_sweep(
      c, "host", [](MPI_Comm comm) -> std::unique_ptr<Transport> { return std::make_unique<MpiTransport>(comm); },
      {}, trace);
  EXPECT_EQ(r.wrong_total(), 0);
  std::set<std::string> tiers;
  for (const SweepRow& row : r.rows)
    if (row.available) {
      tiers.insert(row.tier);
      EXPECT_EQ(row.wrong, 0) << row.collective << " " << row.tier << " " << row.size_bytes;
      EXPECT_GT(row.time_us, 0);
      EXPECT_LE(row.p50_us, row.max_us);
    }
  // One rank: only world has anything to measure; two: the inter groups have one rank each.
  std::set<std::string> want{"world"};
  if (size >= 2) want.insert("intra");
  if (size >= 3) want.insert("inter");
  EXPECT_EQ(tiers, want);
  EXPECT_EQ(trace.events.size(), static_cast<std::size_t>(c.iters) * trace.ops.size());
}

}  // namespace
}  // namespace flopwall
