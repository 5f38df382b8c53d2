#pragma once
// The MoE layer's routing, decided at plan time on the host: every token of
// every replica gets topk distinct experts and gate weights from a fixed
// seed and the chosen skew, and tokens past an expert's capacity are dropped
// in token order. Every rank computes the routing of its whole EP group, so
// it knows every all-to-all count before the run (as DeepEP's and
// Megatron-LM's benchmarks force their routing). The router GEMM and top-k
// still run for their cost; their result does not steer the dispatch.
#include <cstdint>
#include <vector>

#include "model/model_shape.hpp"

namespace flopwall {

// Throws UsageError (one line naming the flag) for MoE settings that cannot
// run: topk outside [1, experts], experts or dp not divisible by ep, a
// non-positive capacity, a negative skew, every < 1, or --ep without experts.
void validate_moe(const ModelShape& shape, const ParallelLayout& layout);

// Tokens each expert accepts from one replica: min(t, ceil(C · t · K / E)).
std::int64_t moe_capacity(const MoeShape& moe, std::int64_t tokens);

// One replica's routing of one layer; slot s = token · K + choice.
struct ReplicaRoute {
  std::vector<std::int32_t> expert;  // [t·K], distinct within a token
  std::vector<double> weight;        // [t·K], positive, each token's K sum to 1
  std::vector<std::uint8_t> kept;    // [t·K], 0: over capacity, dropped
  std::int64_t dropped = 0;          // slots dropped (token-expert assignments)
};
ReplicaRoute route_replica(const MoeShape& moe, std::int64_t tokens, std::int64_t layer, std::int64_t replica);

// What one EP rank executes for one MoE layer. Send order: by destination
// rank, then expert, then token; each peer's received block keeps that
// order, and `regroup` makes the received rows expert-major for the experts.
struct RankRoute {
  std::vector<std::int64_t> permute;        // send row → token row
  std::vector<std::int64_t> send_counts;    // rows to each EP rank
  std::vector<std::int64_t> recv_counts;    // rows from each EP rank
  std::vector<std::int64_t> regroup;        // expert-major row → received row
  std::vector<std::int64_t> unregroup;      // received row → expert-major row
  std::vector<std::int64_t> expert_rows;    // rows per local expert
  std::vector<std::int64_t> combine_offsets;  // [t+1] into combine_slots
  std::vector<std::int64_t> combine_slots;    // send rows of each token's kept choices
  std::vector<double> combine_weights;        // their gate weights
  std::int64_t dropped = 0;                   // this replica's dropped slots
  std::int64_t sent_rows() const noexcept { return static_cast<std::int64_t>(permute.size()); }
  std::int64_t received_rows() const noexcept { return static_cast<std::int64_t>(regroup.size()); }
};
RankRoute route_rank(const MoeShape& moe, const ParallelLayout& layout, std::int64_t tokens, std::int64_t layer,
                     int dp_rank);

// The largest received row count any rank can have: ep · (E/ep) · capacity.
std::int64_t moe_max_received_rows(const MoeShape& moe, const ParallelLayout& layout, std::int64_t tokens);

}  // namespace flopwall
