#pragma once
// One operation of an iteration on one rank, with the analytic work it does.
// The Plan computes FLOPs and bytes once here; backends only execute.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "collectives/collective.hpp"
#include "core/op_kind.hpp"

namespace flopwall {

enum class CommGroup : std::uint8_t { none = 0, tp = 1, dp = 2, world = 3, ep = 4 };

std::string_view comm_group_name(CommGroup g) noexcept;

using BufferId = std::int32_t;

// C[m,n] = A[m,k] · B[k,n], row-major, leading dimensions = row lengths.
struct GemmOp {
  BufferId a, b, c;
  std::int64_t m, n, k;
};
// Per (sequence, head): scores = Q·Kᵀ / sqrt(d), read from the packed
// [tokens, 3·heads·d] QKV buffer (Q | K | V column blocks).
struct AttentionScoreOp {
  BufferId qkv, scores;
  std::int64_t batch, heads, seq, head_dim;
};
// Row-wise softmax over the causal prefix of each [seq, seq] score matrix.
struct CausalSoftmaxOp {
  BufferId scores;
  std::int64_t matrices, seq;
};
// Per (sequence, head): context = P·V into columns head·d of [tokens, heads·d].
struct AttentionContextOp {
  BufferId scores, qkv, context;
  std::int64_t batch, heads, seq, head_dim;
};
// y = (x - mean) / sqrt(var + eps) · gamma + beta over each row; params = [gamma | beta].
struct LayerNormOp {
  BufferId x, params, y;
  std::int64_t rows, cols;
};
// x = gelu(x), tanh approximation, in place.
struct GeluOp {
  BufferId x;
  std::int64_t count;
};
// out = x + y (out differs from both, so the block input is never overwritten).
struct ResidualAddOp {
  BufferId x, y, out;
  std::int64_t count;
};
// dst = src converted to the GEMM operand type (fp8 runs only).
struct CastOp {
  BufferId src, dst;
  std::int64_t count;
};

// MoE (model/moe_block.cpp). The row tables come from the plan's routing
// (model/moe_routing.hpp) and are shared, immutable, by the plan's copies.
using RowTable = std::shared_ptr<const std::vector<std::int64_t>>;
// out[r, 0..2k) = the k largest values of logits row r, then their column
// indices (as values), largest first; ties go to the lower index.
struct TopKOp {
  BufferId logits, out;
  std::int64_t rows, experts, k;
};
// dst[i, :] = src[index[i], :] for i < index->size() (permute and its inverses).
struct GatherRowsOp {
  BufferId src, dst;
  std::int64_t cols;
  RowTable index;
};
// Per group g (rows[g] rows, consecutive): C_g[rows_g, n] = A_g[rows_g, k] · B_g[k, n],
// B_g the g-th [k, n] block of b; the groups' rows follow each other in a and c.
struct GroupedGemmOp {
  BufferId a, b, c;
  std::int64_t n, k;
  RowTable rows;
};
// out[t, :] = sum over j in [offsets[t], offsets[t+1]) of weights[j] · src[slots[j], :]
// for t < tokens: the gate-weighted sum of a token's expert outputs (none: zero).
struct MoeCombineOp {
  BufferId src, out;
  std::int64_t tokens, cols;
  RowTable offsets, slots;
  std::shared_ptr<const std::vector<double>> weights;
};
// Serve mode (model/serve_plan.hpp): the K | V columns of each new token of
// the packed QKV buffer [requests·tokens, 3·width] go to rows start..start+tokens−1
// of their request's block of the KV cache [requests·cache_len, 2·width].
struct KvWriteOp {
  BufferId qkv, cache;
  std::int64_t requests, tokens, start, cache_len, width;
};
// Serve mode: query i of each request (its Q in the packed QKV buffer, at
// position start + i) attends causally to cache rows 0..start+i of its
// request, per head; context [requests·tokens, heads·head_dim]. One query per
// request (tokens = 1) is a decode step: it reads the whole cache once.
struct CachedAttentionOp {
  BufferId qkv, cache, context;
  std::int64_t requests, heads, tokens, start, cache_len, head_dim;
};
// Training step (--mode train, model/training_plan.hpp): the backward ops.
// C[m,n] = op(A)·op(B), op(X) = X or Xᵀ as stored row-major: a GEMM's dgrad
// (dA = dC·Bᵀ) and wgrad (dB = Aᵀ·dC).
struct GemmGradOp {
  BufferId a, b, c;
  std::int64_t m, n, k;
  bool trans_a = false, trans_b = false;
  std::int64_t c_offset = 0;  // first element of C in buffer c (a weight gradient inside its bucket)
};
// dst = src (keeps an activation that a later in-place op overwrites).
struct CopyOp {
  BufferId src, dst;
  std::int64_t count;
};
// dx and dparams = [dgamma | dbeta] of LayerNormOp, given its input x and dy.
struct LayerNormBackwardOp {
  BufferId x, params, dy, dx, dparams;
  std::int64_t rows, cols;
  std::int64_t dparams_offset = 0;  // first element of [dgamma | dbeta] in buffer dparams
};
// dx = gelu'(x)·dy, x the pre-activation.
struct GeluBackwardOp {
  BufferId x, dy, dx;
  std::int64_t count;
};
// dscores from the softmax output and dprobs (may be the same buffer as dscores).
struct CausalSoftmaxBackwardOp {
  BufferId probs, dprobs, dscores;
  std::int64_t matrices, seq;
};
// dQ and dK into the Q and K blocks of dqkv.
struct AttentionScoreBackwardOp {
  BufferId qkv, dscores, dqkv;
  std::int64_t batch, heads, seq, head_dim;
};
// dprobs = dcontext·Vᵀ and dV (into the V block of dqkv).
struct AttentionContextBackwardOp {
  BufferId probs, qkv, dcontext, dprobs, dqkv;
  std::int64_t batch, heads, seq, head_dim;
};

// What a Device executes: the compute and memory ops, and nothing else.
using DeviceOp = std::variant<GemmOp, AttentionScoreOp, CausalSoftmaxOp, AttentionContextOp, LayerNormOp, GeluOp,
                              ResidualAddOp, CastOp, TopKOp, GatherRowsOp, GroupedGemmOp, MoeCombineOp, KvWriteOp,
                              CachedAttentionOp, GemmGradOp, CopyOp, LayerNormBackwardOp, GeluBackwardOp,
                              CausalSoftmaxBackwardOp, AttentionScoreBackwardOp, AttentionContextBackwardOp>;

// A collective over the op's group on the plan's buffers: the call (shaped
// for the group's size, collectives/collective.hpp) and where it reads and
// writes. In place, send == recv.
// How a comm op runs: to completion, or split into a start that returns at
// once and a wait (an overlapped gradient bucket: model/training_plan.hpp).
enum class CommPhase : std::uint8_t { blocking, start, wait };

struct CommOp {
  CollectiveCall call;
  BufferId send, recv;
  std::int64_t offset = 0;  // first element of the call's data in both buffers (a gradient inside its bucket)
  CommPhase phase = CommPhase::blocking;
  int slot = 0;  // start and wait: which call in flight (one per bucket)
};

// All-to-all-v over the op's group: rank q of the group gets send_counts[q]
// rows from send_displs[q] and this rank receives recv_counts[p] rows from
// rank p at recv_displs[p]; counts and displacements in elements.
struct AllToAllVOp {
  BufferId send, recv;
  ElementType type = ElementType::float32;
  std::shared_ptr<const std::vector<std::int64_t>> send_counts, send_displs, recv_counts, recv_displs;
};

// A host busy-wait of a per-iteration length (--inject-delay, --inject-jitter).
struct IdleOp {};

// The three kinds of work: the device's, the communicator's, the runner's.
using OpParams = std::variant<DeviceOp, CommOp, IdleOp, AllToAllVOp>;

struct Op {
  std::string name;  // e.g. "qkv_proj"; (name, layer) identifies the op
  OpKind kind = OpKind::compute;
  int layer = -1;  // -1 for ops outside any layer
  CommGroup group = CommGroup::none;
  OpParams params;
  std::uint64_t flops = 0;       // model FLOPs (docs/metrics.md)
  std::uint64_t bytes_mem = 0;   // bytes through memory, minimum traffic
  std::uint64_t bytes_comm = 0;  // bytes this rank sends on the wire
  int step = -1;  // serve mode: the decode step it belongs to; -1 for the prefill (and every op of other modes)
};

}  // namespace flopwall
