#pragma once
// What build_transformer_plan would produce, computed from the shape alone
// and without building it: the memory a run will need can be refused before
// anything grows with --layers, --seq or --batch. Every product is checked;
// an overflow is a UsageError naming the flags and values it came from.
#include <cstdint>

#include "core/dtype.hpp"
#include "model/model_shape.hpp"

namespace flopwall {

struct PlanSize {
  std::uint64_t buffer_bytes = 0;             // == Plan::buffer_bytes()
  std::uint64_t buffers = 0;                  // == Plan::buffers.size()
  std::uint64_t ops = 0;                      // == Plan::ops.size(), before prepend_injected_delay
  std::uint64_t flops_per_iteration = 0;      // == Plan::flops_per_iteration(); with MoE, >= (experts at capacity)
  std::int64_t largest_filled_elements = 0;   // the largest buffer with non-zero initial values
  std::int64_t largest_buffer_elements = 0;   // the largest buffer of all
};

// The most ops one layer can add (12 always, 2 allreduces with --tp > 1,
// 4 fp8 casts); with the injected-delay op, every op id must fit the trace's
// int32 `op` column, which bounds --layers (k_max_layers).
inline constexpr std::int64_t k_max_ops_per_layer = 18;
inline constexpr std::int64_t k_max_layers = (std::int64_t{INT32_MAX} - 1) / k_max_ops_per_layer;
// An MoE block (model/moe_block.cpp): 20 ops, 2 allreduces, 5 fp8 casts.
inline constexpr std::int64_t k_max_moe_ops_per_layer = 27;
inline constexpr std::int64_t k_max_moe_layers = (std::int64_t{INT32_MAX} - 1) / k_max_moe_ops_per_layer;

// Exact for every rank (the ranks' shards have equal sizes; MoE buffers are
// sized at the routing's bounds, so they are equal too). Requires the
// divisibility that validate_layout checks first; throws UsageError on overflow.
PlanSize transformer_plan_size(const ModelShape& shape, const ParallelLayout& layout, DType dtype);

}  // namespace flopwall
