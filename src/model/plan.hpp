#pragma once
// The ordered ops of one iteration on one rank, with the buffers they use.
#include <cstdint>
#include <vector>

#include "core/dtype.hpp"
#include "model/buffer_spec.hpp"
#include "model/model_shape.hpp"
#include "model/op.hpp"
#include "model/serve_shape.hpp"

namespace flopwall {

// Where this rank sits in the layout: TP groups are consecutive world ranks.
struct RankPosition {
  int tp_rank = 0;
  int dp_rank = 0;
};
RankPosition rank_position(const ParallelLayout& layout, int world_rank) noexcept;

// This rank's place in each communicator group: the world ranks of equal
// `color` form one group, ordered by `key`; the color is also the group's id
// (the trace's group_<name> attributes). The one place the TP/DP split is written.
struct GroupMembership {
  CommGroup group;
  int color;
  int key;
};
std::vector<GroupMembership> comm_groups(const ParallelLayout& layout, int world_rank);

// One MoE layer's routing on this rank (model/moe_routing.hpp), for the trace.
struct MoeLayerSummary {
  int layer = 0;
  std::int64_t dropped = 0;        // this replica's assignments over capacity
  std::int64_t sent_rows = 0;      // rows this rank dispatches (its own included)
  std::int64_t received_rows = 0;  // rows its experts compute
};

struct Plan {
  ModelShape shape;
  ParallelLayout layout;
  RankPosition position;
  DType dtype = DType::fp32;
  std::vector<BufferSpec> buffers;
  std::vector<Op> ops;
  BufferId output = -1;  // the residual stream after the last layer
  std::vector<MoeLayerSummary> moe_dropped;  // one per MoE layer, in layer order
  ServeShape serve;      // --mode serve only (requests > 0): what the wave was built for

  BufferId add_buffer(BufferSpec spec);
  // Both checked: an overflow throws UsageError (validate_layout refuses such shapes first).
  std::uint64_t flops_per_iteration() const;
  std::uint64_t buffer_bytes() const;  // everything a device allocates
};

// Puts an "injected_delay" idle op first in the iteration: the injected
// busy-wait then happens before the first compute op and is itself timed.
void prepend_injected_delay(Plan& plan);

// Megatron-LM style tensor-parallel forward pass (prefill) of shape.layers
// dense transformer blocks; docs/metrics.md gives every op's accounting.
Plan build_transformer_plan(const ModelShape& shape, const ParallelLayout& layout, int world_rank, DType dtype);

}  // namespace flopwall
