// The MoE layer's tokens are conserved: every kept token goes to the EP
// rank owning its expert and comes back to its origin carrying that
// expert's output, so the combined MLP output on every rank equals a
// reference computed on the host from the unsplit expert weights and the
// planned routing. Runs at np 2 (ep 2) and np 4 (tp 2, ep 2).
#include <gtest/gtest.h>

#include <cmath>

#include "backend/cpu_device.hpp"
#include "kernels/cpu/kernels.hpp"
#include "model/moe_routing.hpp"
#include "runtime/communicator.hpp"
#include "runtime/runner.hpp"
#include "transport/mpi/mpi_transport.hpp"

namespace flopwall {
namespace {

std::vector<double> global_weight(std::int64_t rows, std::int64_t cols, std::int64_t fan_in, std::uint64_t seed) {
  const BufferSpec spec{.name = "reference", .rows = rows, .cols = cols, .fill = BufferFill::weight, .seed = seed,
                        .shard = {.global_rows = fan_in, .block_cols = cols, .block_stride = cols}};
  std::vector<double> w(static_cast<std::size_t>(rows * cols));
  fill_buffer<double>(spec, w);
  return w;
}

std::size_t op_index(const Plan& plan, const std::string& name, int layer) {
  for (std::size_t i = 0; i < plan.ops.size(); ++i)
    if (plan.ops[i].name == name && plan.ops[i].layer == layer) return i;
  ADD_FAILURE() << "no op " << name;
  return 0;
}

BufferId buffer_named(const Plan& plan, const std::string& name) {
  for (std::size_t i = 0; i < plan.buffers.size(); ++i)
    if (plan.buffers[i].name == name) return static_cast<BufferId>(i);
  ADD_FAILURE() << "no buffer " << name;
  return -1;
}

struct World {
  int rank = 0, size = 1;
  World() {
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
  }
  ParallelLayout layout() const {  // dp = 2 replicas, one EP group of 2; tp the rest
    return {.world_size = size, .tp = size >= 2 ? size / 2 : 1, .ep = size >= 2 ? 2 : 1};
  }
};

ModelShape moe_shape(double capacity, double zipf) {
  ModelShape s{.hidden = 32, .heads = 4, .ffn = 48, .layers = 1, .seq = 12, .batch = 2};
  s.moe = {.experts = 4, .topk = 2, .capacity = capacity, .zipf = zipf, .every = 1};
  return s;
}

TEST(MoeConservation, EveryKeptTokenReturnsWithItsExpertsOutput) {
  const World w;
  const ParallelLayout layout = w.layout();
  const ModelShape shape = moe_shape(0.75, 1.0);  // a tight capacity and a skew: some choices are dropped
  const Plan plan = build_transformer_plan(shape, layout, w.rank, DType::fp64);
  const auto comm = make_communicator(MPI_COMM_WORLD, layout, [](MPI_Comm c) { return std::make_unique<MpiTransport>(c); });
  auto device = make_cpu_device(DType::fp64, 1);
  device->prepare(plan);
  // Up to the MLP output summed over the TP group (the combine itself with tp 1).
  const std::size_t last = op_index(plan, layout.tp > 1 ? "allreduce_mlp" : "moe_combine", 0);
  for (std::size_t i = 0; i <= last; ++i) execute_op(i, plan.ops[i], *device, *comm, 0);
  const std::vector<double> x = device->read_buffer(buffer_named(plan, "normed"));
  const std::vector<double> y = device->read_buffer(buffer_named(plan, "proj"));

  const std::int64_t h = shape.hidden, f = shape.ffn, E = shape.moe.experts, K = shape.moe.topk, t = shape.tokens();
  const std::vector<double> up = global_weight(E * h, f, h, (0ULL << 8) | 7);
  const std::vector<double> down = global_weight(E * f, h, f, (0ULL << 8) | 8);
  const ReplicaRoute route = route_replica(shape.moe, t, 0, rank_position(layout, w.rank).dp_rank);
  ASSERT_GT(route.dropped, 0) << "the capacity should drop some choices";
  double max_abs = 0, max_diff = 0;
  std::int64_t untouched = 0;
  std::vector<double> hidden(static_cast<std::size_t>(f));
  for (std::int64_t tok = 0; tok < t; ++tok) {
    std::vector<double> ref(static_cast<std::size_t>(h), 0.0);
    bool any = false;
    for (std::int64_t k = 0; k < K; ++k) {
      const auto s = static_cast<std::size_t>(tok * K + k);
      if (!route.kept[s]) continue;
      any = true;
      const std::int64_t e = route.expert[s];
      for (std::int64_t j = 0; j < f; ++j) {
        double acc = 0;
        for (std::int64_t i = 0; i < h; ++i)
          acc += x[static_cast<std::size_t>(tok * h + i)] * up[static_cast<std::size_t>((e * h + i) * f + j)];
        hidden[static_cast<std::size_t>(j)] = acc;
      }
      kernels::cpu::gelu<double>(hidden.data(), f);
      for (std::int64_t c = 0; c < h; ++c) {
        double acc = 0;
        for (std::int64_t j = 0; j < f; ++j)
          acc += hidden[static_cast<std::size_t>(j)] * down[static_cast<std::size_t>((e * f + j) * h + c)];
        ref[static_cast<std::size_t>(c)] += route.weight[s] * acc;
      }
    }
    if (!any) ++untouched;
    for (std::int64_t c = 0; c < h; ++c) {
      const double got = y[static_cast<std::size_t>(tok * h + c)], want = ref[static_cast<std::size_t>(c)];
      if (!any) EXPECT_EQ(got, 0.0) << "token " << tok << " lost all its experts: its residual passes unchanged";
      max_abs = std::max(max_abs, std::fabs(want));
      max_diff = std::max(max_diff, std::fabs(got - want));
    }
  }
  EXPECT_GT(max_abs, 0.01);
  EXPECT_LE(max_diff, 1e-12 * std::max(1.0, max_abs)) << "rank " << w.rank << ", tokens with no expert: " << untouched;
}

TEST(MoeConservation, AllToAllCountsMatchTheRoutingAndBalanceOverTheGroup) {
  const World w;
  const ParallelLayout layout = w.layout();
  const ModelShape shape = moe_shape(1.0, 1.2);
  const Plan plan = build_transformer_plan(shape, layout, w.rank, DType::fp32);
  const RankPosition pos = rank_position(layout, w.rank);
  const std::int64_t E_l = shape.moe.experts / layout.ep, me = pos.dp_rank % layout.ep;
  // Rows to each EP rank, counted from the replica's routing directly.
  const ReplicaRoute route = route_replica(shape.moe, shape.tokens(), 0, pos.dp_rank);
  std::vector<std::int64_t> to(static_cast<std::size_t>(layout.ep), 0);
  for (std::size_t s = 0; s < route.expert.size(); ++s)
    if (route.kept[s]) ++to[static_cast<std::size_t>(route.expert[s] / E_l)];
  std::uint64_t wire = 0;
  std::int64_t sent = 0;
  for (std::int64_t q = 0; q < layout.ep; ++q) {
    sent += to[static_cast<std::size_t>(q)];
    if (q != me) wire += static_cast<std::uint64_t>(to[static_cast<std::size_t>(q)] * shape.hidden) * sizeof(float);
  }
  const Op& dispatch = plan.ops[op_index(plan, "moe_dispatch", 0)];
  EXPECT_EQ(dispatch.bytes_comm, wire);
  EXPECT_EQ(dispatch.group, CommGroup::ep);
  ASSERT_EQ(plan.moe_dropped.size(), 1u);
  EXPECT_EQ(plan.moe_dropped[0].sent_rows, sent);
  EXPECT_EQ(plan.moe_dropped[0].dropped, route.dropped);
  // What the group sends, the group receives.
  std::int64_t mine[2] = {plan.moe_dropped[0].sent_rows, plan.moe_dropped[0].received_rows}, all[2] = {0, 0};
  MPI_Allreduce(mine, all, 2, MPI_INT64_T, MPI_SUM, MPI_COMM_WORLD);
  EXPECT_EQ(all[0], all[1]);
}

}  // namespace
}  // namespace flopwall
