#pragma once
// The MoE MLP of a transformer block (Switch Transformer / GShard, Megatron-LM's
// token dispatcher): router GEMM and top-k, permute, all-to-all-v to the EP
// ranks owning the experts, one grouped GEMM pair over the local experts,
// all-to-all-v back, and the gate-weighted combine. Expert weights are split
// over the TP group as the dense MLP's are, so the block's TP allreduce stays.
#include <cstdint>

#include "model/plan.hpp"

namespace flopwall {

// The activations every MoE layer shares (allocated once per plan).
struct MoeBuffers {
  BufferId logits = -1, topk = -1, send = -1, recv = -1, expert_in = -1, hidden = -1, expert_out = -1;
  BufferId expert_in_fp8 = -1, hidden_fp8 = -1;  // fp8 runs only: the grouped GEMMs' operand copies
};
MoeBuffers add_moe_buffers(Plan& plan);

// Where one block's MoE MLP reads and writes: `normed` is the layernormed
// stream [t, h] (`normed_in` its fp8 copy, or -1), `out` receives the
// combined expert outputs [t, h] (partial sums over the TP group).
struct MoeMlpIo {
  int layer;
  BufferId normed, normed_in, out;
};
void add_moe_mlp(Plan& plan, const MoeBuffers& buffers, const MoeMlpIo& io);

// What the MoE layers add to (or take from) transformer_plan_size's dense
// count; the FLOPs are the bound with every expert at capacity.
struct MoePlanDelta {
  std::uint64_t shared_bytes = 0, shared_buffers = 0;  // the MoeBuffers
  std::uint64_t layer_weight_bytes = 0;               // one MoE layer's router + expert weights
  std::uint64_t dense_mlp_weight_bytes = 0;           // what an MoE layer no longer has (w_up, w_down)
  std::uint64_t layer_flops_bound = 0;                // one MoE layer's router + expert FLOPs, at most
  std::uint64_t dense_mlp_flops = 0;                  // mlp_up + mlp_down of a dense layer
  std::uint64_t moe_layers = 0;
  std::int64_t largest_filled = 0, largest_buffer = 0;
};
MoePlanDelta moe_plan_delta(const ModelShape& shape, const ParallelLayout& layout, DType dtype);

// Parameters of the whole model (all ranks together), docs/metrics.md: per
// block 4h² + 4h (attention, two layernorms) plus 2hf for a dense MLP, or
// hE + E·2hf for an MoE MLP of which a token uses hE + K·2hf.
struct MoeParams {
  std::uint64_t total = 0, active_per_token = 0;
};
MoeParams moe_params(const ModelShape& shape);

// Host memory the plan's routing tables take at most (the MoE ops' row
// tables, counts and gates, model/moe_routing.hpp), for the memory check
// before the plan is built; 0 for a dense model. Throws UsageError on overflow.
std::uint64_t moe_routing_table_bytes(const ModelShape& shape, const ParallelLayout& layout);

}  // namespace flopwall
