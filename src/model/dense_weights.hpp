#pragma once
// The dense transformer block's parameters on one tensor-parallel rank, as
// Megatron-LM shards them: QKV and MLP-up column-parallel (whole heads, a
// slice of the MLP), the output and MLP-down projections row-parallel, the
// layernorms replicated. Every plan (the forward pass, serve waves, the
// training step) adds them here, so their values, seeds and shards are one
// definition and the modes compute on the same model.
#include <cstdint>

#include "model/plan.hpp"

namespace flopwall {

struct DenseWeights {
  BufferId ln_attn = -1, w_qkv = -1, w_out = -1, ln_mlp = -1;
  BufferId w_up = -1, w_down = -1;  // -1 in an MoE layer: its experts replace the MLP
};

// Adds layer `layer`'s parameters to `plan` (for its shape, layout and TP
// rank): ln_attn [1, 2h], w_qkv [h, 3·h/tp], w_out [h/tp, h], ln_mlp [1, 2h]
// and, with `with_mlp`, w_up [h, f/tp] and w_down [f/tp, h].
DenseWeights add_dense_weights(Plan& plan, int layer, bool with_mlp = true);

}  // namespace flopwall
