// The training step's plan: forward with per-layer kept activations, then
// backward in reverse layer order (model/training_plan.hpp).
#include "model/training_plan.hpp"

#include <fmt/format.h>

#include "core/checked_math.hpp"
#include "core/error.hpp"
#include "model/dense_weights.hpp"
#include "model/grad_buckets.hpp"

namespace flopwall {
namespace {

using u64 = std::uint64_t;
u64 U(std::int64_t v) { return static_cast<u64>(v); }

constexpr const char* k_counts = "--mode train: the training plan's size";
u64 mul(u64 a, u64 b) { return mul_or_throw(a, b, k_counts); }
u64 mul(u64 a, u64 b, u64 c) { return mul(mul(a, b), c); }
u64 add(u64 a, u64 b) { return add_or_throw(a, b, k_counts); }
std::int64_t mul(std::int64_t a, std::int64_t b) { return mul_or_throw(a, b, k_counts); }

struct Dims {
  std::int64_t t, th, scores, h, h_l, f_l, heads_l, d, b, s;
  u64 e, e_w;  // activation and weight element bytes
  ElementType type;
  // fp8: forward GEMMs read fp8 casts of their inputs (as the prefill plan);
  // backward GEMMs run in the activation type (bf16) on a copy of the weight.
  bool fp8;
  int tp;
  bool sp;                // sequence parallel (tp > 1 only)
  std::int64_t t_l, tlh;  // tokens in the layernorm and residual region per rank, times h
};

Dims dims(const ModelShape& shape, const ParallelLayout& layout, DType dtype, const TrainingOptions& options) {
  const int tp = layout.tp;
  const std::int64_t t = shape.tokens();
  const bool sp = options.sequence_parallel && tp > 1;
  const std::int64_t t_l = sp ? t / tp : t;
  return {.t = t, .th = mul(t, shape.hidden),
          .scores = mul(mul(mul(shape.batch, shape.heads / tp), shape.seq), shape.seq), .h = shape.hidden,
          .h_l = shape.hidden / tp, .f_l = shape.ffn / tp, .heads_l = shape.heads / tp, .d = shape.head_dim(),
          .b = shape.batch, .s = shape.seq, .e = U(element_bytes(dtype, BufferRole::activation)),
          .e_w = U(element_bytes(dtype, BufferRole::gemm_operand)), .type = element_type(dtype, BufferRole::activation),
          .fp8 = gemm_needs_cast(dtype), .tp = tp, .sp = sp, .t_l = t_l, .tlh = mul(t_l, shape.hidden)};
}

void check_sequence_parallel(const ModelShape& shape, const ParallelLayout& layout, const TrainingOptions& options) {
  if (options.sequence_parallel && layout.tp > 1 && shape.tokens() % layout.tp != 0)
    throw UsageError(fmt::format("--sequence-parallel splits the {} tokens (batch {} x seq {}) over tp {}, which does "
                                 "not divide them; give a batch or seq that makes batch x seq a multiple of {}",
                                 shape.tokens(), shape.batch, shape.seq, layout.tp, layout.tp));
}

// Per-layer buffers: what the forward pass keeps for the backward pass, the
// weights and the weight gradients.
struct Layer {
  BufferId in, n1, qkv, probs, context, mid, n2, mlp_pre, mlp_act, out;
  BufferId ln1, w_qkv, w_out, ln2, w_up, w_down;
  GradientSlot g_ln1, g_qkv, g_out, g_ln2, g_up, g_down;
};

// A layer's gradients in the order backward completes them, with their sizes.
constexpr int k_grads_per_layer = 6;
std::int64_t grad_elements(int i, const Dims& d) {  // i: 0 w_down, 1 w_up, 2 ln_mlp, 3 w_out, 4 w_qkv, 5 ln_attn
  switch (i) {
    case 0: return mul(d.f_l, d.h);
    case 1: return mul(d.h, d.f_l);
    case 3: return mul(d.h_l, d.h);
    case 4: return mul(d.h, mul(3, d.h_l));
    default: return mul(2, d.h);
  }
}
GradientSlot Layer::*grad_member(int i) {
  static constexpr GradientSlot Layer::*k_members[] = {&Layer::g_down, &Layer::g_up, &Layer::g_ln2,
                                                       &Layer::g_out,  &Layer::g_qkv, &Layer::g_ln1};
  return k_members[i];
}
BufferId Layer::*param_member(int i) {
  static constexpr BufferId Layer::*k_members[] = {&Layer::w_down, &Layer::w_up, &Layer::ln2,
                                                   &Layer::w_out,  &Layer::w_qkv, &Layer::ln1};
  return k_members[i];
}
// Backward completion order over all layers: index j is layer L−1−j/6, gradient j%6.
std::uint64_t grad_count(const ModelShape& shape) { return mul(U(shape.layers), U(k_grads_per_layer)); }
// Scratch shared by all layers: written before read within each layer.
// Sequence parallel adds this rank's token shards beside the whole ones
// (-1 otherwise): proj_shard, n_shard (a layernorm's output before its
// allgather), d_full (the gathered stream gradient) and d_normed_shard.
struct Scratch {
  BufferId proj, d_stream, d_normed, d_ln, d_mlp, d_context, d_scores, d_qkv;
  BufferId proj_shard = -1, n_shard = -1, d_full = -1, d_normed_shard = -1;
  // fp8: the forward GEMMs' inputs cast to fp8 (-1 otherwise).
  BufferId normed_fp8 = -1, context_fp8 = -1, mlp_fp8 = -1;
};

Op compute(std::string name, int layer, DeviceOp p, u64 flops, u64 bytes) {
  return {.name = std::move(name), .kind = OpKind::compute, .layer = layer, .params = std::move(p), .flops = flops,
          .bytes_mem = bytes};
}
Op memory(std::string name, int layer, DeviceOp p, u64 bytes) {
  return {.name = std::move(name), .kind = OpKind::memory, .layer = layer, .params = std::move(p), .bytes_mem = bytes};
}

// C[m,n] = A[m,k]·B[k,n] with B a weight.
// (fp8: A is the fp8 cast of the input, read at e_w bytes an element.)
Op gemm(std::string name, int layer, BufferId a, BufferId b, BufferId c, std::int64_t m, std::int64_t n,
        std::int64_t k, const Dims& d) {
  return compute(std::move(name), layer, GemmOp{a, b, c, m, n, k}, mul(mul(2, U(m), U(n)), U(k)),
                 add(add(mul(U(mul(m, k)), d.fp8 ? d.e_w : d.e), mul(U(mul(m, n)), d.e)), mul(U(mul(k, n)), d.e_w)));
}
// fp8: the cast of a forward GEMM's input to the operand type, into `cast`; returns what the GEMM reads.
BufferId gemm_input(Plan& plan, const char* name, int layer, BufferId x, BufferId cast, std::int64_t count,
                    const Dims& d) {
  if (!d.fp8) return x;
  plan.ops.push_back(memory(name, layer, CastOp{x, cast, count}, mul(U(count), add(d.e, d.e_w))));
  return cast;
}
// The two backward GEMMs of C[m,n] = A[m,k]·W[k,n]: dA = dC·Wᵀ and dW = Aᵀ·dC,
// each 2·m·n·k FLOPs (Megatron-LM's 2× forward for backward).
Op dgrad(std::string name, int layer, BufferId dc, BufferId w, BufferId da, std::int64_t m, std::int64_t n,
         std::int64_t k, const Dims& d) {
  // fp8: the weight is read from its copy in the activation type.
  return compute(std::move(name), layer, GemmGradOp{dc, w, da, m, k, n, false, true}, mul(mul(2, U(m), U(n)), U(k)),
                 add(mul(add(U(mul(m, n)), U(mul(m, k))), d.e), mul(U(mul(k, n)), d.fp8 ? d.e : d.e_w)));
}
Op wgrad(std::string name, int layer, BufferId a, BufferId dc, const GradientSlot& dw, std::int64_t m,
         std::int64_t n, std::int64_t k, const Dims& d) {
  return compute(std::move(name), layer, GemmGradOp{a, dc, dw.bucket, k, n, m, true, false, dw.offset},
                 mul(mul(2, U(m), U(n)), U(k)),
                 mul(add(add(U(mul(m, k)), U(mul(m, n))), U(mul(k, n))), d.e));
}

// A collective over the TP group: `count` elements in all (the whole
// activation for allreduce, allgather and reduce-scatter), from `send` into
// `recv` at element `offset` of both.
Op tp_collective(std::string name, int layer, Collective c, std::int64_t count, BufferId send, BufferId recv,
                 const Dims& d, std::int64_t offset = 0) {
  const CollectiveCall call = make_call(c, count, d.tp, d.type, ReduceOp::sum, 0, send == recv);
  return {.name = std::move(name), .kind = OpKind::comm, .layer = layer, .group = CommGroup::tp,
          .params = CommOp{.call = call, .send = send, .recv = recv, .offset = offset},
          .bytes_comm = bus_bytes(descriptor(c), mul(U(call.shape.count), d.e), d.tp)};
}
Op allreduce(std::string name, int layer, BufferId x, const Dims& d) {
  return tp_collective(std::move(name), layer, Collective::allreduce, d.th, x, x, d);
}
// Sequence parallel: this rank's tokens to every rank, and the conjugate.
Op allgather(std::string name, int layer, BufferId shard, BufferId whole, const Dims& d) {
  return tp_collective(std::move(name), layer, Collective::allgather, d.th, shard, whole, d);
}
Op reduce_scatter(std::string name, int layer, BufferId whole, BufferId shard, const Dims& d) {
  return tp_collective(std::move(name), layer, Collective::reducescatter, d.th, whole, shard, d);
}
// Sequence parallel: a layernorm's [dgamma | dbeta], summed over the TP group where it lies in its bucket.
Op allreduce_ln_grad(std::string name, int layer, const GradientSlot& g, const Dims& d) {
  return tp_collective(std::move(name), layer, Collective::allreduce, g.elements, g.bucket, g.bucket, d, g.offset);
}

// The layernorms and residual adds run on the t_l tokens of this rank (all t without sequence parallelism).
Op layernorm(std::string name, int layer, BufferId x, BufferId params, BufferId y, const Dims& d) {
  return memory(std::move(name), layer, LayerNormOp{x, params, y, d.t_l, d.h},
                mul(add(mul(2, U(d.tlh)), mul(2, U(d.h))), d.e));
}
Op residual(std::string name, int layer, BufferId x, BufferId y, BufferId out, const Dims& d) {
  return memory(std::move(name), layer, ResidualAddOp{x, y, out, d.tlh}, mul(3, U(d.tlh), d.e));
}

void add_forward(Plan& plan, int l, const Layer& L, const Scratch& S, const Dims& d) {
  // Every op appends to plan.ops (gemm_input too).
  auto& ops = plan.ops;
  const u64 attn_flops = mul(U(d.scores), U(d.d));  // causal: half the dense product (transformer_block.cpp)
  const u64 score_bytes = mul(U(d.scores), d.e);
  const u64 qk_bytes = mul(2, U(mul(d.t, d.h_l)), d.e);
  if (d.sp) {
    ops.push_back(layernorm("ln_attn", l, L.in, L.ln1, S.n_shard, d));
    ops.push_back(allgather("allgather_attn", l, S.n_shard, L.n1, d));
  } else {
    ops.push_back(layernorm("ln_attn", l, L.in, L.ln1, L.n1, d));
  }
  const BufferId qkv_in = gemm_input(plan, "fp8_cast_qkv", l, L.n1, S.normed_fp8, d.th, d);
  ops.push_back(gemm("qkv_proj", l, qkv_in, L.w_qkv, L.qkv, d.t, mul(3, d.h_l), d.h, d));
  ops.push_back(compute("attn_score", l, AttentionScoreOp{L.qkv, L.probs, d.b, d.heads_l, d.s, d.d}, attn_flops,
                        add(qk_bytes, score_bytes)));
  ops.push_back(memory("attn_softmax", l, CausalSoftmaxOp{L.probs, mul(d.b, d.heads_l), d.s}, mul(2, score_bytes)));
  ops.push_back(compute("attn_context", l, AttentionContextOp{L.probs, L.qkv, L.context, d.b, d.heads_l, d.s, d.d},
                        attn_flops, add(score_bytes, qk_bytes)));
  const BufferId out_in = gemm_input(plan, "fp8_cast_out", l, L.context, S.context_fp8, mul(d.t, d.h_l), d);
  ops.push_back(gemm("out_proj", l, out_in, L.w_out, S.proj, d.t, d.h, d.h_l, d));
  if (d.sp) {
    ops.push_back(reduce_scatter("reducescatter_attn", l, S.proj, S.proj_shard, d));
    ops.push_back(residual("residual_attn", l, L.in, S.proj_shard, L.mid, d));
    ops.push_back(layernorm("ln_mlp", l, L.mid, L.ln2, S.n_shard, d));
    ops.push_back(allgather("allgather_mlp", l, S.n_shard, L.n2, d));
  } else {
    if (d.tp > 1) ops.push_back(allreduce("allreduce_attn", l, S.proj, d));
    ops.push_back(residual("residual_attn", l, L.in, S.proj, L.mid, d));
    ops.push_back(layernorm("ln_mlp", l, L.mid, L.ln2, L.n2, d));
  }
  const BufferId up_in = gemm_input(plan, "fp8_cast_up", l, L.n2, S.normed_fp8, d.th, d);
  ops.push_back(gemm("mlp_up", l, up_in, L.w_up, L.mlp_pre, d.t, d.f_l, d.h, d));
  const std::int64_t tf = mul(d.t, d.f_l);
  // GELU runs in place; its backward needs the pre-activation, so keep a copy.
  ops.push_back(memory("save_mlp_pre", l, CopyOp{L.mlp_pre, L.mlp_act, tf}, mul(2, U(tf), d.e)));
  ops.push_back(memory("gelu", l, GeluOp{L.mlp_act, tf}, mul(2, U(tf), d.e)));
  const BufferId down_in = gemm_input(plan, "fp8_cast_down", l, L.mlp_act, S.mlp_fp8, tf, d);
  ops.push_back(gemm("mlp_down", l, down_in, L.w_down, S.proj, d.t, d.h, d.f_l, d));
  if (d.sp) {
    ops.push_back(reduce_scatter("reducescatter_mlp", l, S.proj, S.proj_shard, d));
    ops.push_back(residual("residual_mlp", l, L.mid, S.proj_shard, L.out, d));
  } else {
    if (d.tp > 1) ops.push_back(allreduce("allreduce_mlp", l, S.proj, d));
    ops.push_back(residual("residual_mlp", l, L.mid, S.proj, L.out, d));
  }
}

// Backward of one layer; S.d_stream holds dL/d(layer output) on entry and
// dL/d(layer input) on exit.
void add_backward(Plan& plan, int l, const Layer& L, const Scratch& S, const Dims& d) {
  auto& ops = plan.ops;
  const std::int64_t tf = mul(d.t, d.f_l), thl = mul(d.t, d.h_l);
  const u64 attn_flops = mul(2, U(d.scores), U(d.d));  // two causal products, as attn_score / attn_context each
  const u64 lnb_bytes = mul(add(mul(3, U(d.tlh)), mul(4, U(d.h))), d.e);
  // The gradient of the GEMMs' output: the stream gradient, gathered from
  // every rank's tokens under sequence parallelism (the conjugate of the
  // forward reduce-scatter).
  const BufferId d_out = d.sp ? S.d_full : S.d_stream;
  // The layernorm's input gradient: the GEMMs' partial sums, summed over TP
  // (allreduce), or summed and scattered to each rank's tokens (sequence
  // parallel: the conjugate of the forward allgather).
  const BufferId d_normed = d.sp ? S.d_normed_shard : S.d_normed;
  if (d.sp) ops.push_back(allgather("allgather_mlp_bwd", l, S.d_stream, S.d_full, d));
  ops.push_back(wgrad("mlp_down_wgrad", l, L.mlp_act, d_out, L.g_down, d.t, d.h, d.f_l, d));
  ops.push_back(dgrad("mlp_down_dgrad", l, d_out, L.w_down, S.d_mlp, d.t, d.h, d.f_l, d));
  ops.push_back(memory("gelu_bwd", l, GeluBackwardOp{L.mlp_pre, S.d_mlp, S.d_mlp, tf}, mul(3, U(tf), d.e)));
  ops.push_back(wgrad("mlp_up_wgrad", l, L.n2, S.d_mlp, L.g_up, d.t, d.f_l, d.h, d));
  ops.push_back(dgrad("mlp_up_dgrad", l, S.d_mlp, L.w_up, S.d_normed, d.t, d.f_l, d.h, d));
  // Column-parallel input gradient: each rank holds a partial sum over its ffn slice.
  if (d.sp) ops.push_back(reduce_scatter("reducescatter_mlp_dgrad", l, S.d_normed, S.d_normed_shard, d));
  else if (d.tp > 1) ops.push_back(allreduce("allreduce_mlp_dgrad", l, S.d_normed, d));
  ops.push_back(memory("ln_mlp_bwd", l, LayerNormBackwardOp{L.mid, L.ln2, d_normed, S.d_ln, L.g_ln2.bucket, d.t_l, d.h,
                                                           L.g_ln2.offset},
                       lnb_bytes));
  if (d.sp) ops.push_back(allreduce_ln_grad("allreduce_ln_mlp_grad", l, L.g_ln2, d));
  ops.push_back(residual("residual_mlp_bwd", l, S.d_stream, S.d_ln, S.d_stream, d));
  if (d.sp) ops.push_back(allgather("allgather_attn_bwd", l, S.d_stream, S.d_full, d));
  ops.push_back(wgrad("out_proj_wgrad", l, L.context, d_out, L.g_out, d.t, d.h, d.h_l, d));
  ops.push_back(dgrad("out_proj_dgrad", l, d_out, L.w_out, S.d_context, d.t, d.h, d.h_l, d));
  const u64 score_bytes = mul(U(d.scores), d.e);
  ops.push_back(compute("attn_context_bwd", l,
                        AttentionContextBackwardOp{L.probs, L.qkv, S.d_context, S.d_scores, S.d_qkv, d.b, d.heads_l,
                                                   d.s, d.d},
                        attn_flops, add(mul(2, score_bytes), mul(3, U(thl), d.e))));
  ops.push_back(memory("attn_softmax_bwd", l,
                       CausalSoftmaxBackwardOp{L.probs, S.d_scores, S.d_scores, mul(d.b, d.heads_l), d.s},
                       mul(3, score_bytes)));
  ops.push_back(compute("attn_score_bwd", l,
                        AttentionScoreBackwardOp{L.qkv, S.d_scores, S.d_qkv, d.b, d.heads_l, d.s, d.d}, attn_flops,
                        add(score_bytes, mul(4, U(thl), d.e))));
  ops.push_back(wgrad("qkv_proj_wgrad", l, L.n1, S.d_qkv, L.g_qkv, d.t, mul(3, d.h_l), d.h, d));
  ops.push_back(dgrad("qkv_proj_dgrad", l, S.d_qkv, L.w_qkv, S.d_normed, d.t, mul(3, d.h_l), d.h, d));
  if (d.sp) ops.push_back(reduce_scatter("reducescatter_attn_dgrad", l, S.d_normed, S.d_normed_shard, d));
  else if (d.tp > 1) ops.push_back(allreduce("allreduce_attn_dgrad", l, S.d_normed, d));
  ops.push_back(memory("ln_attn_bwd", l, LayerNormBackwardOp{L.in, L.ln1, d_normed, S.d_ln, L.g_ln1.bucket, d.t_l, d.h,
                                                            L.g_ln1.offset},
                       lnb_bytes));
  if (d.sp) ops.push_back(allreduce_ln_grad("allreduce_ln_attn_grad", l, L.g_ln1, d));
  ops.push_back(residual("residual_attn_bwd", l, S.d_stream, S.d_ln, S.d_stream, d));
}

// Bucket k's allreduce over the DP group, in place: blocking, or its start
// (the bytes on the wire) or its wait (none of its own).
Op grad_allreduce(std::size_t k, BufferId bucket, std::int64_t elements, CommPhase phase, const ParallelLayout& layout,
                  const Dims& d) {
  const CollectiveCall call = make_call(Collective::allreduce, elements, layout.dp(), d.type, ReduceOp::sum, 0, true);
  return {.name = phase == CommPhase::wait ? fmt::format("grad_allreduce_b{}_wait", k)
                                           : fmt::format("grad_allreduce_b{}", k),
          .kind = OpKind::comm, .layer = -1, .group = CommGroup::dp,
          .params = CommOp{.call = call, .send = bucket, .recv = bucket, .phase = phase, .slot = static_cast<int>(k)},
          .bytes_comm = phase == CommPhase::wait
                            ? 0
                            : bus_bytes(descriptor(Collective::allreduce), mul(U(call.shape.count), d.e), layout.dp())};
}

// The buffer whose contents an op writes last: where a gradient is finished.
BufferId written(const Op& op) {
  if (const auto* d = std::get_if<DeviceOp>(&op.params)) {
    if (const auto* g = std::get_if<GemmGradOp>(d)) return g->c;
    if (const auto* n = std::get_if<LayerNormBackwardOp>(d)) return n->dparams;
    return -1;
  }
  if (const auto* c = std::get_if<CommOp>(&op.params)) return c->recv;
  return -1;
}

// Each bucket's allreduce starts right after the last backward op that
// writes into it (its gradients are then final) and is waited for, in
// bucket order, after the backward pass.
void overlap_grad_allreduces(Plan& plan, const std::vector<BufferId>& bucket_buffers,
                             const std::vector<GradBucket>& buckets, const Dims& d) {
  std::vector<std::size_t> last_write(bucket_buffers.size(), 0);
  for (std::size_t i = 0; i < plan.ops.size(); ++i)
    for (std::size_t k = 0; k < bucket_buffers.size(); ++k)
      if (written(plan.ops[i]) == bucket_buffers[k]) last_write[k] = i;
  std::vector<Op> ops;
  ops.reserve(plan.ops.size() + 2 * buckets.size());
  for (std::size_t i = 0; i < plan.ops.size(); ++i) {
    ops.push_back(std::move(plan.ops[i]));
    for (std::size_t k = 0; k < buckets.size(); ++k)
      if (last_write[k] == i)
        ops.push_back(grad_allreduce(k, bucket_buffers[k], buckets[k].elements, CommPhase::start, plan.layout, d));
  }
  for (std::size_t k = 0; k < buckets.size(); ++k)
    ops.push_back(grad_allreduce(k, bucket_buffers[k], buckets[k].elements, CommPhase::wait, plan.layout, d));
  plan.ops = std::move(ops);
}

}  // namespace

TrainingPlan build_training_plan(const ModelShape& shape, const ParallelLayout& layout, int world_rank, DType dtype,
                                 const TrainingOptions& options) {
  validate_layout(shape, layout);
  check_sequence_parallel(shape, layout, options);
  const TrainingPlanSize size = training_plan_size(shape, layout, dtype, options);
  TrainingPlan tp_plan{.plan = {.shape = shape, .layout = layout, .position = rank_position(layout, world_rank),
                                .dtype = dtype}};
  Plan& plan = tp_plan.plan;
  plan.buffers.reserve(static_cast<std::size_t>(size.buffers));
  plan.ops.reserve(static_cast<std::size_t>(size.ops) + 1);
  const Dims d = dims(shape, layout, dtype, options);
  auto act = [&](std::string name, std::int64_t rows, std::int64_t cols) {
    return plan.add_buffer({.name = std::move(name), .rows = rows, .cols = cols});
  };
  // The input and the output gradient: deterministic per replica, defined on
  // all t tokens; under sequence parallelism each rank holds its t_l rows.
  tp_plan.token_offset = d.sp ? mul(std::int64_t{plan.position.tp_rank}, d.t_l) : 0;
  const WeightShard rows{.row_offset = tp_plan.token_offset};
  const BufferId input = plan.add_buffer({.name = "input", .rows = d.t_l, .cols = d.h, .fill = BufferFill::input,
                                          .seed = 0xF10F0000ULL + U(plan.position.dp_rank), .shard = rows});
  tp_plan.grad_seed = plan.add_buffer({.name = "grad_seed", .rows = d.t_l, .cols = d.h, .fill = BufferFill::input,
                                       .seed = 0xF10F5EED00ULL + U(plan.position.dp_rank), .shard = rows});
  Scratch S{act("proj", d.t, d.h), act("d_stream", d.t_l, d.h), act("d_normed", d.t, d.h), act("d_ln", d.t_l, d.h),
            act("d_mlp", d.t, d.f_l), act("d_context", d.t, d.h_l),
            act("d_scores", mul(mul(d.b, d.heads_l), d.s), d.s), act("d_qkv", d.t, mul(3, d.h_l))};
  if (d.fp8) {
    auto operand = [&](std::string name, std::int64_t rows, std::int64_t cols) {
      return plan.add_buffer({.name = std::move(name), .rows = rows, .cols = cols, .role = BufferRole::gemm_operand});
    };
    S.normed_fp8 = operand("normed_fp8", d.t, d.h);
    S.context_fp8 = operand("context_fp8", d.t, d.h_l);
    S.mlp_fp8 = operand("mlp_act_fp8", d.t, d.f_l);
  }
  if (d.sp) {
    S.proj_shard = act("proj_shard", d.t_l, d.h);
    S.n_shard = act("normed_shard", d.t_l, d.h);
    S.d_full = act("d_stream_gathered", d.t, d.h);
    S.d_normed_shard = act("d_normed_shard", d.t_l, d.h);
  }
  std::vector<Layer> layers;
  BufferId x = input;
  for (int l = 0; l < shape.layers; ++l) {
    auto name = [&](const char* n) { return fmt::format("layer{}.{}", l, n); };
    Layer L{};
    L.in = x;
    L.n1 = act(name("normed_attn"), d.t, d.h);  // whole: qkv_proj_wgrad reads it
    L.qkv = act(name("qkv"), d.t, mul(3, d.h_l));
    L.probs = act(name("probs"), mul(mul(d.b, d.heads_l), d.s), d.s);
    L.context = act(name("context"), d.t, d.h_l);
    L.mid = act(name("stream_mid"), d.t_l, d.h);
    L.n2 = act(name("normed_mlp"), d.t, d.h);
    L.mlp_pre = act(name("mlp_pre"), d.t, d.f_l);
    L.mlp_act = act(name("mlp_act"), d.t, d.f_l);
    L.out = act(name("stream_out"), d.t_l, d.h);
    // The same weights and shards as build_transformer_plan (model/dense_weights.hpp).
    const DenseWeights dense = add_dense_weights(plan, l);
    L.ln1 = dense.ln_attn, L.w_qkv = dense.w_qkv, L.w_out = dense.w_out, L.ln2 = dense.ln_mlp;
    L.w_up = dense.w_up, L.w_down = dense.w_down;
    layers.push_back(L);
    x = L.out;
  }
  // The weight gradients live in their buckets, each a range of one buffer,
  // so one allreduce reduces a whole bucket (PyTorch DDP's gradient views).
  std::vector<std::int64_t> sizes;
  const std::uint64_t n_grads = grad_count(shape);
  sizes.reserve(static_cast<std::size_t>(n_grads));
  for (std::uint64_t j = 0; j < n_grads; ++j) sizes.push_back(grad_elements(static_cast<int>(j % k_grads_per_layer), d));
  const std::vector<GradBucket> buckets = plan_grad_buckets(sizes, d.e, options.bucket_bytes);
  for (std::size_t k = 0; k < buckets.size(); ++k) {
    const BufferId buf = act(fmt::format("grad_bucket{}", k), 1, buckets[k].elements);
    tp_plan.buckets.push_back(buf);
    for (std::size_t i = 0; i < buckets[k].members.size(); ++i) {
      const std::size_t j = buckets[k].members[i];
      Layer& L = layers[static_cast<std::size_t>(shape.layers - 1) - j / k_grads_per_layer];
      const int which = static_cast<int>(j % k_grads_per_layer);
      L.*grad_member(which) = {.bucket = buf, .offset = buckets[k].offsets[i], .elements = sizes[j],
                               .param = L.*param_member(which)};
    }
  }
  for (int l = 0; l < shape.layers; ++l) {
    const Layer& L = layers[static_cast<std::size_t>(l)];
    tp_plan.grads.push_back({l, {L.g_ln1, L.g_qkv, L.g_out, L.g_ln2, L.g_up, L.g_down}});
  }
  for (int l = 0; l < shape.layers; ++l) add_forward(plan, l, layers[static_cast<std::size_t>(l)], S, d);
  plan.output = x;
  tp_plan.backward_begin = plan.ops.size();
  plan.ops.push_back(memory("grad_seed", -1, CopyOp{tp_plan.grad_seed, S.d_stream, d.tlh}, mul(2, U(d.tlh), d.e)));
  for (int l = shape.layers - 1; l >= 0; --l) add_backward(plan, l, layers[static_cast<std::size_t>(l)], S, d);
  // Data parallelism: sum the gradients over the replicas, one allreduce per bucket.
  if (layout.dp() > 1) {
    if (options.overlap_grad_reduce) overlap_grad_allreduces(plan, tp_plan.buckets, buckets, d);
    else
      for (std::size_t k = 0; k < buckets.size(); ++k)
        plan.ops.push_back(grad_allreduce(k, tp_plan.buckets[k], buckets[k].elements, CommPhase::blocking, layout, d));
  }
  tp_plan.input_grad = S.d_stream;
  return tp_plan;
}

TrainingPlanSize training_plan_size(const ModelShape& shape, const ParallelLayout& layout, DType dtype,
                                    const TrainingOptions& options) {
  check_sequence_parallel(shape, layout, options);
  const Dims d = dims(shape, layout, dtype, options);
  const std::int64_t qkv = mul(d.t, mul(3, d.h_l)), thl = mul(d.t, d.h_l), tf = mul(d.t, d.f_l);
  const std::int64_t ln = mul(2, d.h);
  const u64 wq = U(mul(d.h, mul(3, d.h_l))), wo = U(mul(d.h_l, d.h)), wm = U(mul(d.h, d.f_l));
  // Elements: shared (input, seed, d_stream, d_ln on t_l tokens; proj, d_normed on t; d_mlp, d_context,
  // d_scores, d_qkv; sequence parallel adds proj_shard, normed_shard, d_normed_shard on t_l and
  // d_stream_gathered on t) and per layer (stream_mid and stream_out on t_l tokens).
  const u64 shared = add(add(add(mul(4, U(d.tlh)), mul(2, U(d.th))), add(U(tf), U(thl))), add(U(d.scores), U(qkv)));
  const u64 sp_shared = d.sp ? add(mul(3, U(d.tlh)), U(d.th)) : 0;
  // fp8: the casts of the forward GEMMs' inputs, at e_w bytes an element.
  const u64 fp8_bytes = d.fp8 ? mul(add(add(U(d.th), U(thl)), U(tf)), d.e_w) : 0;
  const u64 kept = add(add(add(mul(2, U(d.th)), mul(2, U(d.tlh))), add(U(qkv), U(d.scores))), add(U(thl), mul(2, U(tf))));
  const u64 weights = add(add(wq, wo), mul(2, wm));
  const u64 grads = add(weights, mul(2, U(ln)));
  const u64 layer_bytes = add(add(mul(add(kept, grads), d.e), mul(weights, d.e_w)), mul(mul(2, U(ln)), d.e));
  const u64 layers = U(shape.layers);
  // FLOPs: the forward pass once (2·t·(3h_l·h + h_l·h + 2·f_l·h) + 2·scores·d), backward twice that.
  const u64 gemm_fwd = mul(2, U(d.t), add(add(mul(U(3 * d.h_l), U(d.h)), mul(U(d.h_l), U(d.h))),
                                          mul(2, U(d.f_l), U(d.h))));
  const u64 fwd = add(gemm_fwd, mul(2, U(d.scores), U(d.d)));
  // Per layer: 13 forward and 16 backward ops, and the TP collectives: 4
  // allreduces, or with sequence parallelism 4 allgathers, 4 reduce-scatters
  // and the 2 layernorm gradient allreduces.
  const u64 ops_per_layer = 13 + 16 + (d.sp ? 10 : d.tp > 1 ? 4 : 0) + (d.fp8 ? 4 : 0);
  const GradBucketCount b = count_grad_buckets(
      grad_count(shape), [&](u64 j) { return grad_elements(static_cast<int>(j % k_grads_per_layer), d); }, d.e,
      options.bucket_bytes);
  return {.buffer_bytes = add(add(mul(add(shared, sp_shared), d.e), fp8_bytes), mul(layers, layer_bytes)),
          .buffers = add(add(add(d.sp ? 14 : 10, d.fp8 ? 3 : 0), mul(layers, 15)), b.buckets),
          // One allreduce per bucket with dp > 1; overlapped, a start and a wait.
          .ops = add(add(1, mul(layers, ops_per_layer)),
                     layout.dp() > 1 ? mul(b.buckets, options.overlap_grad_reduce ? 2 : 1) : 0),
          .flops_per_iteration = mul(mul(3, fwd), layers),
          .grad_buckets = b.buckets,
          .largest_bucket_elements = b.largest_elements};
}

}  // namespace flopwall
