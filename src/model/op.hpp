#pragma once
// One operation of an iteration on one rank, with the analytic work it does.
// The Plan computes FLOPs and bytes once here; backends only execute.
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "collectives/collective.hpp"
#include "core/op_kind.hpp"

namespace flopwall {

enum class CommGroup : std::uint8_t { none = 0, tp = 1, dp = 2, world = 3 };

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
                              ResidualAddOp, CastOp, GemmGradOp, CopyOp, LayerNormBackwardOp, GeluBackwardOp,
                              CausalSoftmaxBackwardOp, AttentionScoreBackwardOp, AttentionContextBackwardOp>;

// A collective over the op's group on the plan's buffers: the call (shaped
// for the group's size, collectives/collective.hpp) and where it reads and
// writes. In place, send == recv.
struct CommOp {
  CollectiveCall call;
  BufferId send, recv;
};

// A host busy-wait of a per-iteration length (--inject-delay, --inject-jitter).
struct IdleOp {};

// The three kinds of work: the device's, the communicator's, the runner's.
using OpParams = std::variant<DeviceOp, CommOp, IdleOp>;

struct Op {
  std::string name;  // e.g. "qkv_proj"; (name, layer) identifies the op
  OpKind kind = OpKind::compute;
  int layer = -1;  // -1 for ops outside any layer
  CommGroup group = CommGroup::none;
  OpParams params;
  std::uint64_t flops = 0;       // model FLOPs (docs/metrics.md)
  std::uint64_t bytes_mem = 0;   // bytes through memory, minimum traffic
  std::uint64_t bytes_comm = 0;  // bytes this rank sends on the wire
};

}  // namespace flopwall
