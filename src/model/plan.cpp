#include "model/plan.hpp"

#include "core/checked_math.hpp"

namespace flopwall {

RankPosition rank_position(const ParallelLayout& layout, int world_rank) noexcept {
  return {.tp_rank = world_rank % layout.tp, .dp_rank = world_rank / layout.tp};
}

std::vector<GroupMembership> comm_groups(const ParallelLayout& layout, int world_rank) {
  const RankPosition pos = rank_position(layout, world_rank);
  // TP groups are consecutive world ranks (one replica); DP groups the same
  // TP rank across replicas.
  std::vector<GroupMembership> groups{{CommGroup::world, 0, world_rank},
                                      {CommGroup::tp, pos.dp_rank, pos.tp_rank},
                                      {CommGroup::dp, pos.tp_rank, pos.dp_rank}};
  // EP groups (Megatron-LM): the same TP rank of ep consecutive replicas.
  if (layout.ep > 0)
    groups.push_back({CommGroup::ep, (pos.dp_rank / layout.ep) * layout.tp + pos.tp_rank, pos.dp_rank % layout.ep});
  return groups;
}

BufferId Plan::add_buffer(BufferSpec spec) {
  buffers.push_back(std::move(spec));
  return static_cast<BufferId>(buffers.size() - 1);
}

std::uint64_t Plan::flops_per_iteration() const {
  std::uint64_t total = 0;
  for (const Op& op : ops) total = add_or_throw(total, op.flops, "the plan's FLOPs per iteration");
  return total;
}

std::uint64_t Plan::buffer_bytes() const {
  std::uint64_t total = 0;
  for (const BufferSpec& b : buffers) {
    const auto bytes = mul_or_throw(static_cast<std::uint64_t>(b.elements()),
                                    static_cast<std::uint64_t>(element_bytes(dtype, b.role)),
                                    [&] { return "buffer " + b.name + " in bytes"; });
    total = add_or_throw(total, bytes, "the plan's buffer bytes");
  }
  return total;
}

void prepend_injected_delay(Plan& plan) {
  plan.ops.insert(plan.ops.begin(), Op{.name = "injected_delay", .kind = OpKind::idle, .params = IdleOp{}});
}

}  // namespace flopwall
