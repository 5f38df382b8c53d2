#include "model/dense_weights.hpp"

#include <fmt/format.h>

#include "core/checked_math.hpp"

namespace flopwall {
namespace {

// validate_layout has refused shapes whose sizes overflow; checked again
// here, as every plan size is.
constexpr const char* k_weight_sizes = "the dense block's weight sizes (--hidden, --ffn, --tp)";

// The seed names the matrix: layer in the high bits, its index in the block below.
std::uint64_t seed_of(int layer, std::uint64_t matrix) { return (static_cast<std::uint64_t>(layer) << 8) | matrix; }

BufferId add_weight(Plan& plan, int layer, const char* name, std::uint64_t matrix, std::int64_t rows,
                    std::int64_t cols, WeightShard shard) {
  return plan.add_buffer({.name = fmt::format("layer{}.{}", layer, name), .rows = rows, .cols = cols,
                          .fill = BufferFill::weight, .role = BufferRole::gemm_operand,
                          .seed = seed_of(layer, matrix), .shard = shard});
}

// [gamma | beta], replicated on every rank.
BufferId add_layernorm(Plan& plan, int layer, const char* name, std::uint64_t matrix, std::int64_t h) {
  return plan.add_buffer({.name = fmt::format("layer{}.{}", layer, name), .rows = 1,
                          .cols = mul_or_throw(std::int64_t{2}, h, k_weight_sizes), .fill = BufferFill::layernorm,
                          .seed = seed_of(layer, matrix)});
}

}  // namespace

DenseWeights add_dense_weights(Plan& plan, int layer, bool with_mlp) {
  const std::int64_t tp = plan.layout.tp, r = plan.position.tp_rank;
  const std::int64_t h = plan.shape.hidden, f = plan.shape.ffn, h_l = h / tp, f_l = f / tp;
  DenseWeights w;
  w.ln_attn = add_layernorm(plan, layer, "ln_attn", 0, h);
  // Q | K | V blocks of h columns each; this rank's heads are columns r·h_l … of every block.
  w.w_qkv = add_weight(plan, layer, "w_qkv", 1, h, mul_or_throw(std::int64_t{3}, h_l, k_weight_sizes),
                       {.global_rows = h, .block_cols = h_l, .block_stride = h, .col_offset = r * h_l});
  w.w_out = add_weight(plan, layer, "w_out", 2, h_l, h,
                       {.global_rows = h, .row_offset = r * h_l, .block_cols = h, .block_stride = h});
  w.ln_mlp = add_layernorm(plan, layer, "ln_mlp", 3, h);
  if (!with_mlp) return w;
  w.w_up = add_weight(plan, layer, "w_up", 4, h, f_l,
                      {.global_rows = h, .block_cols = f_l, .block_stride = f, .col_offset = r * f_l});
  w.w_down = add_weight(plan, layer, "w_down", 5, f_l, h,
                        {.global_rows = f, .row_offset = r * f_l, .block_cols = h, .block_stride = h});
  return w;
}

}  // namespace flopwall
