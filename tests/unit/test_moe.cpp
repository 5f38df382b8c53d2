// The MoE layer's plan: routing, capacity, skew, FLOPs against closed forms,
// the size mirror, the groups and the refusals. The run itself (tokens
// conserved over the all-to-all) is tests/mpi/test_moe_conservation.cpp.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "core/bfloat16.hpp"
#include "core/error.hpp"
#include "kernels/cpu/kernels.hpp"
#include "model/moe_block.hpp"
#include "model/moe_routing.hpp"
#include "model/plan.hpp"
#include "model/plan_size.hpp"

namespace flopwall {
namespace {

ModelShape moe_tiny(std::int64_t experts, std::int64_t topk, double capacity, double zipf, std::int64_t every = 1) {
  ModelShape s{.hidden = 32, .heads = 4, .ffn = 64, .layers = 2, .seq = 16, .batch = 2};
  s.moe = {.experts = experts, .topk = topk, .capacity = capacity, .zipf = zipf, .every = every};
  return s;
}

std::vector<std::int64_t> loads(const ReplicaRoute& r, std::int64_t experts, bool kept_only) {
  std::vector<std::int64_t> load(static_cast<std::size_t>(experts), 0);
  for (std::size_t s = 0; s < r.expert.size(); ++s)
    if (!kept_only || r.kept[s]) ++load[static_cast<std::size_t>(r.expert[s])];
  return load;
}

std::uint64_t flops_of(const Plan& p, const std::string& name) {
  std::uint64_t total = 0;
  for (const Op& op : p.ops)
    if (op.name == name) total += op.flops;
  return total;
}

TEST(MoeRouting, EachTokenGetsKDistinctExpertsWithNormalisedGates) {
  const MoeShape moe = moe_tiny(8, 3, 1.0, 1.5).moe;
  const ReplicaRoute r = route_replica(moe, 100, 1, 3);
  ASSERT_EQ(r.expert.size(), 300u);
  for (std::int64_t t = 0; t < 100; ++t) {
    std::set<std::int32_t> chosen;
    double sum = 0;
    for (std::int64_t k = 0; k < 3; ++k) {
      const auto s = static_cast<std::size_t>(t * 3 + k);
      EXPECT_GE(r.expert[s], 0);
      EXPECT_LT(r.expert[s], 8);
      EXPECT_GT(r.weight[s], 0);
      chosen.insert(r.expert[s]);
      sum += r.weight[s];
    }
    EXPECT_EQ(chosen.size(), 3u) << "token " << t;
    EXPECT_NEAR(sum, 1.0, 1e-12);
  }
  // Deterministic, and distinct per (layer, replica).
  EXPECT_EQ(route_replica(moe, 100, 1, 3).expert, r.expert);
  EXPECT_NE(route_replica(moe, 100, 1, 4).expert, r.expert);
  EXPECT_NE(route_replica(moe, 100, 2, 3).expert, r.expert);
}

TEST(MoeRouting, DroppedAssignmentsAreExactlyThoseOverCapacity) {
  for (double capacity : {0.25, 0.5, 1.0, 1.25})
    for (double zipf : {0.0, 1.2}) {
      const MoeShape moe = moe_tiny(8, 2, capacity, zipf).moe;
      const std::int64_t tokens = 200, cap = moe_capacity(moe, tokens);
      EXPECT_EQ(cap, std::min<std::int64_t>(tokens, static_cast<std::int64_t>(std::ceil(capacity * tokens * 2 / 8.0))));
      const ReplicaRoute r = route_replica(moe, tokens, 0, 0);
      const std::vector<std::int64_t> demand = loads(r, 8, false), kept = loads(r, 8, true);
      std::int64_t over = 0;
      for (std::size_t e = 0; e < 8; ++e) {
        EXPECT_EQ(kept[e], std::min(demand[e], cap)) << "expert " << e;
        over += std::max<std::int64_t>(0, demand[e] - cap);
      }
      EXPECT_EQ(r.dropped, over) << "capacity " << capacity << " zipf " << zipf;
      // Token order: an expert's kept assignments are its first `cap` ones.
      std::vector<std::int64_t> seen(8, 0);
      for (std::size_t s = 0; s < r.expert.size(); ++s) {
        const auto e = static_cast<std::size_t>(r.expert[s]);
        EXPECT_EQ(r.kept[s] != 0, seen[e]++ < cap);
      }
    }
}

TEST(MoeRouting, ZipfSkewMakesTheHottestExpertHotterThanUniform) {
  const std::int64_t tokens = 2000, E = 16;
  auto hottest = [&](double zipf) {
    const ReplicaRoute r = route_replica(moe_tiny(E, 2, 100.0, zipf).moe, tokens, 0, 0);  // no drops
    EXPECT_EQ(r.dropped, 0);
    const auto l = loads(r, E, false);
    return *std::max_element(l.begin(), l.end());
  };
  const std::int64_t uniform = hottest(0.0), skewed = hottest(1.2);
  EXPECT_LT(uniform, tokens * 2 / E * 3 / 2) << "uniform stays near the mean " << tokens * 2 / E;
  EXPECT_GT(skewed, 2 * uniform);
}

TEST(MoePlan, FlopsCountOnlyTheExpertsUsed) {
  // tp 2, dp 2, ep 2: a rank computes 2·R·h·f/tp per expert GEMM, R its received rows.
  const ModelShape s = moe_tiny(4, 2, 0.75, 1.0);
  const ParallelLayout layout{.world_size = 4, .tp = 2, .ep = 2};
  const std::int64_t t = s.tokens(), h = s.hidden, f_l = s.ffn / 2;
  std::uint64_t group_expert_flops = 0;
  std::int64_t kept = 0;
  for (int rank = 0; rank < 4; ++rank) {
    const Plan p = build_transformer_plan(s, layout, rank, DType::fp32);
    std::uint64_t want_up = 0;
    for (int layer = 0; layer < 2; ++layer) {
      const RankRoute r = route_rank(s.moe, layout, t, layer, rank_position(layout, rank).dp_rank);
      want_up += 2ULL * static_cast<std::uint64_t>(r.received_rows() * h * f_l);
    }
    EXPECT_EQ(flops_of(p, "moe_expert_up"), want_up);
    EXPECT_EQ(flops_of(p, "moe_expert_down"), want_up);
    EXPECT_EQ(flops_of(p, "moe_router"), 2ULL * 2 * t * h * 4);  // 2 layers · 2·t·h·E, replicated over TP
    EXPECT_EQ(flops_of(p, "mlp_up"), 0u);
    if (rank_position(layout, rank).tp_rank == 0) group_expert_flops += flops_of(p, "moe_expert_up");
  }
  for (int layer = 0; layer < 2; ++layer)
    for (int replica = 0; replica < 2; ++replica) {
      const ReplicaRoute r = route_replica(s.moe, t, layer, replica);
      kept += static_cast<std::int64_t>(r.expert.size()) - r.dropped;
    }
  // Over the EP group: every kept assignment once, 2·h·f/tp each.
  EXPECT_EQ(group_expert_flops, 2ULL * static_cast<std::uint64_t>(kept * h * f_l));
}

TEST(MoePlan, EveryMthBlockIsMoe) {
  ModelShape s = moe_tiny(4, 1, 1.0, 0.0, 2);
  s.layers = 4;
  const Plan p = build_transformer_plan(s, {.world_size = 1, .tp = 1, .ep = 1}, 0, DType::fp64);
  std::set<int> moe_layers, dense_layers;
  for (const Op& op : p.ops) {
    if (op.name == "moe_router") moe_layers.insert(op.layer);
    if (op.name == "mlp_up") dense_layers.insert(op.layer);
  }
  EXPECT_EQ(moe_layers, (std::set<int>{1, 3}));
  EXPECT_EQ(dense_layers, (std::set<int>{0, 2}));
}

TEST(MoePlan, SizeMirrorsTheBuiltPlan) {
  for (DType dtype : {DType::fp32, DType::fp64, DType::bf16, DType::fp8})
    for (int tp : {1, 2})
      for (std::int64_t every : {1, 2}) {
        const ModelShape s = moe_tiny(4, 2, 1.0, 1.0, every);
        const ParallelLayout layout{.world_size = 2 * tp, .tp = tp, .ep = 2};
        const PlanSize size = transformer_plan_size(s, layout, dtype);
        for (int rank = 0; rank < 2 * tp; ++rank) {
          const Plan p = build_transformer_plan(s, layout, rank, dtype);
          const std::string where = fmt::format("{} tp {} every {} rank {}", dtype_name(dtype), tp, every, rank);
          EXPECT_EQ(size.buffer_bytes, p.buffer_bytes()) << where;
          EXPECT_EQ(size.buffers, p.buffers.size()) << where;
          EXPECT_EQ(size.ops, p.ops.size()) << where;
          EXPECT_GE(size.flops_per_iteration, p.flops_per_iteration()) << where;
          std::int64_t largest = 0, largest_filled = 0;
          for (const BufferSpec& b : p.buffers) {
            largest = std::max(largest, b.elements());
            if (b.fill != BufferFill::zero) largest_filled = std::max(largest_filled, b.elements());
          }
          EXPECT_EQ(size.largest_buffer_elements, largest) << where;
          EXPECT_EQ(size.largest_filled_elements, largest_filled) << where;
          EXPECT_EQ(p.buffers.capacity(), size.buffers) << where;
        }
      }
  // The most ops an MoE layer has: fp8, tp > 1.
  const PlanSize most = transformer_plan_size(moe_tiny(4, 2, 1.0, 0.0), {.world_size = 4, .tp = 2, .ep = 2}, DType::fp8);
  EXPECT_EQ(most.ops, static_cast<std::uint64_t>(k_max_moe_ops_per_layer * 2));
}

TEST(MoePlan, RoutingTablesStayWithinTheMemoryCheck) {
  const ModelShape s = moe_tiny(8, 2, 2.0, 1.5);
  const ParallelLayout layout{.world_size = 4, .tp = 1, .ep = 4};
  const std::uint64_t bound = moe_routing_table_bytes(s, layout);
  for (int rank = 0; rank < 4; ++rank) {
    const Plan p = build_transformer_plan(s, layout, rank, DType::fp32);
    std::uint64_t entries = 0;
    for (const Op& op : p.ops) {
      if (const auto* a = std::get_if<AllToAllVOp>(&op.params))
        entries += a->send_counts->size() + a->send_displs->size() + a->recv_counts->size() + a->recv_displs->size();
      const auto* d = std::get_if<DeviceOp>(&op.params);
      if (!d) continue;
      if (const auto* g = std::get_if<GatherRowsOp>(d)) entries += g->index->size();
      if (const auto* g = std::get_if<GroupedGemmOp>(d); g && op.name == "moe_expert_up")
        entries += g->rows->size();  // one table, shared with moe_expert_down
      if (const auto* c = std::get_if<MoeCombineOp>(d))
        entries += c->offsets->size() + c->slots->size() + c->weights->size();
    }
    EXPECT_LE(entries * 8, bound) << "rank " << rank;
    EXPECT_GT(entries * 8, bound / 4) << "the bound should be near what a plan holds";
  }
  EXPECT_EQ(moe_routing_table_bytes(moe_tiny(0, 1, 1.0, 0.0), {.world_size = 1, .tp = 1}), 0u);
}

TEST(MoePlan, EpGroupsAreConsecutiveReplicasOfOneTpRank) {
  const ParallelLayout layout{.world_size = 8, .tp = 2, .ep = 2};  // dp 4: EP groups {0,1}, {2,3} of replicas
  for (int rank = 0; rank < 8; ++rank) {
    const auto groups = comm_groups(layout, rank);
    const auto ep = std::find_if(groups.begin(), groups.end(), [](const GroupMembership& g) { return g.group == CommGroup::ep; });
    ASSERT_NE(ep, groups.end());
    const RankPosition pos = rank_position(layout, rank);
    EXPECT_EQ(ep->color, (pos.dp_rank / 2) * 2 + pos.tp_rank) << rank;
    EXPECT_EQ(ep->key, pos.dp_rank % 2) << rank;
  }
  EXPECT_EQ(comm_groups({.world_size = 2, .tp = 1}, 0).size(), 3u) << "a dense model has no EP group";
  EXPECT_EQ(comm_group_name(CommGroup::ep), "ep");
}

TEST(MoePlan, ParamsTotalAgainstActive) {
  ModelShape s = moe_tiny(8, 2, 1.0, 0.0, 2);
  s.layers = 4;  // layers 1 and 3 MoE
  const std::uint64_t h = 32, f = 64, attn = 4 * h * h + 4 * h;
  const MoeParams p = moe_params(s);
  EXPECT_EQ(p.total, 2 * (attn + 2 * h * f) + 2 * (attn + h * 8 + 8 * 2 * h * f));
  EXPECT_EQ(p.active_per_token, 2 * (attn + 2 * h * f) + 2 * (attn + h * 8 + 2 * 2 * h * f));
}

std::string refusal(const ModelShape& s, const ParallelLayout& l) {
  try {
    validate_layout(s, l);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "<accepted>";
}

TEST(MoeValidation, RefusesImpossibleSettingsWithOneLine) {
  const ParallelLayout two{.world_size = 2, .tp = 1, .ep = 2};
  EXPECT_NE(refusal(moe_tiny(4, 5, 1, 0), two).find("--moe-topk 5"), std::string::npos);
  EXPECT_NE(refusal(moe_tiny(4, 0, 1, 0), two).find("--moe-topk 0"), std::string::npos);
  EXPECT_NE(refusal(moe_tiny(3, 1, 1, 0), two).find("--moe-experts 3 is not divisible by --ep 2"), std::string::npos);
  EXPECT_NE(refusal(moe_tiny(4, 1, 1, 0), {.world_size = 2, .tp = 2, .ep = 2}).find("--ep 2 does not divide"),
            std::string::npos);
  EXPECT_NE(refusal(moe_tiny(4, 1, 0, 0), two).find("--moe-capacity"), std::string::npos);
  EXPECT_NE(refusal(moe_tiny(4, 1, 1, -1), two).find("--moe-skew"), std::string::npos);
  EXPECT_NE(refusal(moe_tiny(4, 1, 1, 0, 0), two).find("--moe-every 0"), std::string::npos);
  EXPECT_NE(refusal(moe_tiny(0, 1, 1, 0), two).find("--ep 2 needs --moe-experts"), std::string::npos);
  EXPECT_EQ(refusal(moe_tiny(4, 2, 1, 0), two), "<accepted>");
}

TEST(MoeKernels, TopKGatherAndCombine) {
  const double logits[] = {0.1, 0.9, 0.5, 0.9, -1, 2, 0, 1};
  double out[8];
  kernels::cpu::topk_rows<double>(logits, out, 2, 4, 2);
  EXPECT_EQ(std::vector<double>(out, out + 4), (std::vector<double>{0.9, 0.9, 1, 3}));  // ties: lower column first
  EXPECT_EQ(std::vector<double>(out + 4, out + 8), (std::vector<double>{2, 1, 1, 3}));
  const double src[] = {1, 2, 3, 4, 5, 6};
  const std::int64_t index[] = {2, 0};
  double gathered[4];
  kernels::cpu::gather_rows<double>(src, gathered, index, 2, 2);
  EXPECT_EQ(std::vector<double>(gathered, gathered + 4), (std::vector<double>{5, 6, 1, 2}));
  const std::int64_t offsets[] = {0, 2, 2}, slots[] = {0, 2};
  const double weights[] = {0.25, 0.75};
  double combined[4] = {9, 9, 9, 9};
  kernels::cpu::moe_combine<double>(src, combined, offsets, slots, weights, 2, 2);
  EXPECT_EQ(std::vector<double>(combined, combined + 4), (std::vector<double>{4, 5, 0, 0}));
}

TEST(MoeKernels, Bf16TopKGatherAndCombineAsFloat) {
  // The same cases in bf16 storage: every value here is exact in bf16, and
  // the combine sums in fp32, so the results are the double ones.
  std::vector<BFloat16> logits;
  for (double v : {0.1, 0.9, 0.5, 0.9, -1.0, 2.0, 0.0, 1.0}) logits.push_back(BFloat16(v));
  std::vector<BFloat16> out(8);
  kernels::cpu::topk_rows<BFloat16>(logits.data(), out.data(), 2, 4, 2);
  const std::vector<float> top(out.begin(), out.end());
  EXPECT_EQ(top[0], static_cast<float>(BFloat16(0.9)));
  EXPECT_EQ(std::vector<float>(top.begin() + 2, top.begin() + 4), (std::vector<float>{1, 3}));
  EXPECT_EQ(std::vector<float>(top.begin() + 4, top.end()), (std::vector<float>{2, 1, 1, 3}));
  std::vector<BFloat16> src;
  for (int v = 1; v <= 6; ++v) src.push_back(BFloat16(v));
  const std::int64_t index[] = {2, 0};
  std::vector<BFloat16> gathered(4);
  kernels::cpu::gather_rows<BFloat16>(src.data(), gathered.data(), index, 2, 2);
  EXPECT_EQ(std::vector<float>(gathered.begin(), gathered.end()), (std::vector<float>{5, 6, 1, 2}));
  const std::int64_t offsets[] = {0, 2, 2}, slots[] = {0, 2};
  const double weights[] = {0.25, 0.75};
  std::vector<BFloat16> combined(4, BFloat16(9));
  kernels::cpu::moe_combine<BFloat16>(src.data(), combined.data(), offsets, slots, weights, 2, 2);
  EXPECT_EQ(std::vector<float>(combined.begin(), combined.end()), (std::vector<float>{4, 5, 0, 0}));
}

}  // namespace
}  // namespace flopwall
