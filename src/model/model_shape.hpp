#pragma once
// The shape of the transformer being run and how it is split over ranks.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/checked_math.hpp"

namespace flopwall {

// A mixture-of-experts MLP (Switch Transformer / GShard): in every
// `every`-th block the dense MLP becomes `experts` expert MLPs of the same
// shape, each token routed to `topk` of them; experts = 0 is a dense model.
struct MoeShape {
  std::int64_t experts = 0;  // E
  std::int64_t topk = 1;     // K
  double capacity = 1.0;     // capacity factor C: each expert takes ceil(C·t·K/E) tokens per replica
  double zipf = 0.0;         // routing skew: expert ranks drawn ∝ 1/rank^zipf (0: uniform)
  std::int64_t every = 1;    // M: blocks M-1, 2M-1, ... are MoE blocks
  bool active() const noexcept { return experts > 0; }
  bool is_moe_layer(std::int64_t layer) const noexcept { return active() && layer % every == every - 1; }
};

struct ModelShape {
  std::int64_t hidden = 0;  // h
  std::int64_t heads = 0;   // attention heads (standard multi-head attention)
  std::int64_t ffn = 0;     // f, MLP inner size
  std::int64_t layers = 0;  // transformer blocks per iteration
  std::int64_t seq = 0;     // s, tokens per sequence
  std::int64_t batch = 0;   // sequences per data-parallel replica
  MoeShape moe;             // experts = 0: every block is dense

  std::int64_t head_dim() const noexcept { return hidden / heads; }
  std::int64_t tokens() const {  // per replica; checked, as every size derived from flags
    return mul_or_throw(batch, seq, "--batch x --seq (tokens per replica)");
  }
};

struct ParallelLayout {
  int world_size = 1;
  int tp = 1;  // tensor-parallel degree; consecutive ranks share a TP group
  int ep = 0;  // expert-parallel degree (MoE only): 0 is no EP group; else ep consecutive DP replicas
  int dp() const noexcept { return world_size / tp; }
};

// Named shapes; throws UsageError listing the valid names.
ModelShape model_preset(std::string_view name);
std::vector<std::string> model_preset_names();

// Throws UsageError with one line naming the first inconsistent value: a
// non-positive size, a split that is not whole, more than k_max_layers
// layers, or a shape whose derived sizes overflow 64-bit arithmetic.
void validate_layout(const ModelShape& shape, const ParallelLayout& layout);

}  // namespace flopwall
