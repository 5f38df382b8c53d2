#pragma once
// Serving with a KV cache (--mode serve): one timed iteration is one wave of
// `requests` concurrent requests per data-parallel replica. Each request
// prefills its prompt against a prefix cache that already holds the keys and
// values of its first cached_tokens() tokens (the hit rate --kv-hit), then
// decodes `decode_steps` tokens, one per request per step, each attending to
// the whole cache. docs/metrics.md ("Serve mode") gives every op's FLOPs and
// bytes; the ops carry their step (-1: the prefill) for TTFT and TPOT.
#include <cstdint>

#include "core/dtype.hpp"
#include "model/model_shape.hpp"
#include "model/plan.hpp"
#include "model/plan_size.hpp"
#include "model/serve_shape.hpp"

namespace flopwall {


// Throws UsageError naming the flag: a non-positive length, step count or
// request count, a hit rate outside [0, 1] (NaN included).
void validate_serve_shape(const ServeShape& serve);

// The KV cache: K | V of every layer in the activation dtype, for all TP
// shards together (per rank it is this / tp).
std::uint64_t kv_bytes_per_token(const ModelShape& shape, DType dtype);  // 2·layers·h·e

// The plan of one wave on `world_rank`; validate_layout and
// validate_serve_shape must accept the shapes. Ops of the prefill carry
// step -1, ops of decode step j step j (unrolled: S·layers·ops).
Plan build_serve_plan(const ModelShape& shape, const ServeShape& serve, const ParallelLayout& layout, int world_rank,
                      DType dtype);

// What build_serve_plan would produce, from the shapes alone (the unit
// tests hold the two equal). Throws UsageError naming the flags when a size
// overflows or the op ids would not fit the trace's int32 `op` column.
PlanSize serve_plan_size(const ModelShape& shape, const ServeShape& serve, const ParallelLayout& layout, DType dtype);

// The largest request count whose plan fits `bytes_per_rank` of buffers, by
// the closed form (buffer bytes are affine in R); 0 when not even one does.
std::int64_t largest_requests_fitting(const ModelShape& shape, const ServeShape& serve, const ParallelLayout& layout,
                                      DType dtype, std::uint64_t bytes_per_rank, std::uint64_t other_bytes = 0);

}  // namespace flopwall
