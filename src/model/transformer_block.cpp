// The dense transformer block, split over a tensor-parallel group the way
// Megatron-LM splits it: QKV and MLP-up are column-parallel (each rank owns
// whole heads / a slice of the MLP), the output and MLP-down projections are
// row-parallel and end in an allreduce of partial sums.
#include <fmt/format.h>

#include <algorithm>

#include "core/checked_math.hpp"
#include "model/dense_weights.hpp"
#include "model/moe_block.hpp"
#include "model/plan.hpp"
#include "model/plan_size.hpp"

namespace flopwall {
namespace {

using u64 = std::uint64_t;

u64 U(std::int64_t v) { return static_cast<u64>(v); }

// The op accounting below is checked too, as a second line: validate_layout
// has already refused shapes whose sizes overflow (transformer_plan_size).
constexpr const char* k_op_counts = "the plan's per-op FLOP and byte counts";
u64 mul(u64 a, u64 b) { return mul_or_throw(a, b, k_op_counts); }
u64 mul(u64 a, u64 b, u64 c) { return mul(mul(a, b), c); }
u64 add(u64 a, u64 b) { return add_or_throw(a, b, k_op_counts); }
std::int64_t mul(std::int64_t a, std::int64_t b) { return mul_or_throw(a, b, k_op_counts); }

struct Dims {
  std::int64_t t;       // tokens per replica
  std::int64_t th;      // t · h, the residual stream's elements
  std::int64_t scores;  // b · heads_l · s · s, the score matrices' elements
  std::int64_t h;       // hidden
  std::int64_t h_l;     // hidden columns owned by this rank (heads_l · d)
  std::int64_t f_l;     // ffn columns owned by this rank
  std::int64_t heads_l; // heads owned by this rank
  std::int64_t d;       // head size
  std::int64_t b, s;    // sequences, sequence length
  std::int64_t e;       // activation element size in bytes
  std::int64_t e_in;    // GEMM operand (weights, fp8 copies) element size
  ElementType type;     // the activations' element type (what collectives move)
};

struct Activations {
  BufferId input, stream_a, stream_b, normed, qkv, scores, context, proj, mlp_hidden;
  // fp8 runs only: the GEMM-operand copies of normed, context and mlp_hidden.
  BufferId normed_in = -1, context_in = -1, mlp_hidden_in = -1;
  MoeBuffers moe;  // MoE runs only (model/moe_block.hpp)
};

Op gemm(std::string name, int layer, BufferId a, BufferId b, BufferId c, std::int64_t m, std::int64_t n,
        std::int64_t k, const Dims& d) {
  return {.name = std::move(name), .kind = OpKind::compute, .layer = layer, .params = GemmOp{a, b, c, m, n, k},
          .flops = mul(mul(2, U(m), U(n)), U(k)),
          .bytes_mem = add(mul(add(U(mul(m, k)), U(mul(k, n))), U(d.e_in)), mul(U(mul(m, n)), U(d.e)))};
}

// Appends a cast to the GEMM operand type when the dtype needs one (fp8) and
// returns the buffer the GEMM should read.
BufferId gemm_input(Plan& plan, const char* name, int layer, BufferId act, BufferId cast_buffer, std::int64_t count,
                    const Dims& d) {
  if (cast_buffer < 0) return act;
  plan.ops.push_back({.name = name, .kind = OpKind::memory, .layer = layer,
                      .params = CastOp{act, cast_buffer, count}, .bytes_mem = mul(U(count), U(d.e + d.e_in))});
  return cast_buffer;
}

Op layernorm(std::string name, int layer, BufferId x, BufferId params, BufferId y, const Dims& d) {
  return {.name = std::move(name), .kind = OpKind::memory, .layer = layer,
          .params = LayerNormOp{x, params, y, d.t, d.h}, .bytes_mem = mul(add(mul(2, U(d.th)), mul(2, U(d.h))), U(d.e))};
}

Op residual(std::string name, int layer, BufferId x, BufferId y, BufferId out, const Dims& d) {
  return {.name = std::move(name), .kind = OpKind::memory, .layer = layer,
          .params = ResidualAddOp{x, y, out, d.th}, .bytes_mem = mul(3, U(d.th), U(d.e))};
}

// In-place sum of the row-parallel partial products over the TP group. Bytes
// on the wire are the allreduce descriptor's bus bytes: 2·(p−1)/p of the
// payload (nccl-tests' factor), exact because heads % tp == 0.
Op allreduce(std::string name, int layer, BufferId x, const Dims& d, int tp) {
  const CollectiveCall call = make_call(Collective::allreduce, d.th, tp, d.type, ReduceOp::sum, 0, true);
  const u64 payload = mul(U(call.shape.count), U(d.e));
  return {.name = std::move(name), .kind = OpKind::comm, .layer = layer, .group = CommGroup::tp,
          .params = CommOp{.call = call, .send = x, .recv = x},
          .bytes_comm = bus_bytes(descriptor(Collective::allreduce), payload, tp)};
}

void add_block(Plan& plan, int layer, const Dims& d, const Activations& act, BufferId x_in, BufferId x_out) {
  const int tp = plan.layout.tp;
  const bool moe = plan.shape.moe.is_moe_layer(layer);
  const DenseWeights weights = add_dense_weights(plan, layer, !moe);
  const BufferId ln1 = weights.ln_attn, w_qkv = weights.w_qkv, w_out = weights.w_out, ln2 = weights.ln_mlp;
  const BufferId w_up = weights.w_up, w_down = weights.w_down;

  // Megatron counts causal attention at half the dense score/context matmuls.
  const u64 attn_flops = mul(U(d.scores), U(d.d));
  const u64 score_bytes = mul(U(d.scores), U(d.e));
  const u64 qk_bytes = mul(2, U(mul(d.t, d.h_l)), U(d.e));
  auto& ops = plan.ops;

  ops.push_back(layernorm("ln_attn", layer, x_in, ln1, act.normed, d));
  const BufferId qkv_in = gemm_input(plan, "fp8_cast_qkv", layer, act.normed, act.normed_in, d.th, d);
  ops.push_back(gemm("qkv_proj", layer, qkv_in, w_qkv, act.qkv, d.t, mul(3, d.h_l), d.h, d));
  ops.push_back({.name = "attn_score", .kind = OpKind::compute, .layer = layer,
                 .params = AttentionScoreOp{act.qkv, act.scores, d.b, d.heads_l, d.s, d.d},
                 .flops = attn_flops, .bytes_mem = add(qk_bytes, score_bytes)});
  ops.push_back({.name = "attn_softmax", .kind = OpKind::memory, .layer = layer,
                 .params = CausalSoftmaxOp{act.scores, mul(d.b, d.heads_l), d.s}, .bytes_mem = mul(2, score_bytes)});
  ops.push_back({.name = "attn_context", .kind = OpKind::compute, .layer = layer,
                 .params = AttentionContextOp{act.scores, act.qkv, act.context, d.b, d.heads_l, d.s, d.d},
                 .flops = attn_flops, .bytes_mem = add(score_bytes, qk_bytes)});
  const BufferId out_in = gemm_input(plan, "fp8_cast_out", layer, act.context, act.context_in, mul(d.t, d.h_l), d);
  ops.push_back(gemm("out_proj", layer, out_in, w_out, act.proj, d.t, d.h, d.h_l, d));
  if (tp > 1) ops.push_back(allreduce("allreduce_attn", layer, act.proj, d, tp));
  ops.push_back(residual("residual_attn", layer, x_in, act.proj, act.stream_a, d));
  ops.push_back(layernorm("ln_mlp", layer, act.stream_a, ln2, act.normed, d));
  if (moe) {
    add_moe_mlp(plan, act.moe, {.layer = layer, .normed = act.normed, .normed_in = act.normed_in, .out = act.proj});
    if (tp > 1) ops.push_back(allreduce("allreduce_mlp", layer, act.proj, d, tp));
    ops.push_back(residual("residual_mlp", layer, act.stream_a, act.proj, x_out, d));
    return;
  }
  const BufferId up_in = gemm_input(plan, "fp8_cast_up", layer, act.normed, act.normed_in, d.th, d);
  ops.push_back(gemm("mlp_up", layer, up_in, w_up, act.mlp_hidden, d.t, d.f_l, d.h, d));
  ops.push_back({.name = "gelu", .kind = OpKind::memory, .layer = layer,
                 .params = GeluOp{act.mlp_hidden, mul(d.t, d.f_l)}, .bytes_mem = mul(2, U(mul(d.t, d.f_l)), U(d.e))});
  const BufferId down_in =
      gemm_input(plan, "fp8_cast_down", layer, act.mlp_hidden, act.mlp_hidden_in, mul(d.t, d.f_l), d);
  ops.push_back(gemm("mlp_down", layer, down_in, w_down, act.proj, d.t, d.h, d.f_l, d));
  if (tp > 1) ops.push_back(allreduce("allreduce_mlp", layer, act.proj, d, tp));
  ops.push_back(residual("residual_mlp", layer, act.stream_a, act.proj, x_out, d));
}

}  // namespace

Plan build_transformer_plan(const ModelShape& shape, const ParallelLayout& layout, int world_rank, DType dtype) {
  validate_layout(shape, layout);
  Plan plan{.shape = shape, .layout = layout, .position = rank_position(layout, world_rank), .dtype = dtype};
  const int tp = layout.tp;
  const std::int64_t t = shape.tokens();
  const Dims d{.t = t, .th = mul(t, shape.hidden),
               .scores = mul(mul(mul(shape.batch, shape.heads / tp), shape.seq), shape.seq), .h = shape.hidden,
               .h_l = shape.hidden / tp, .f_l = shape.ffn / tp, .heads_l = shape.heads / tp, .d = shape.head_dim(),
               .b = shape.batch, .s = shape.seq, .e = element_bytes(dtype, BufferRole::activation),
               .e_in = element_bytes(dtype, BufferRole::gemm_operand),
               .type = element_type(dtype, BufferRole::activation)};
  // Sized once: no reallocation while growing, so the memory a run needs is
  // exactly what transformer_plan_size said before anything was built.
  const PlanSize size = transformer_plan_size(shape, layout, dtype);
  plan.buffers.reserve(static_cast<std::size_t>(size.buffers));
  plan.ops.reserve(static_cast<std::size_t>(size.ops) + 1);  // + the injected-delay op, if any

  auto activation = [&](const char* name, std::int64_t rows, std::int64_t cols) {
    return plan.add_buffer({.name = name, .rows = rows, .cols = cols});
  };
  Activations act{};
  // The input is never written, so every iteration computes the same forward
  // pass; the residual stream alternates between two buffers.
  act.input = plan.add_buffer({.name = "input", .rows = d.t, .cols = d.h, .fill = BufferFill::input,
                               .seed = 0xF10F0000ULL + U(plan.position.dp_rank)});
  act.stream_a = activation("stream_a", d.t, d.h);
  act.stream_b = activation("stream_b", d.t, d.h);
  act.normed = activation("normed", d.t, d.h);
  act.qkv = activation("qkv", d.t, mul(3, d.h_l));
  act.scores = activation("scores", mul(mul(d.b, d.heads_l), d.s), d.s);
  act.context = activation("context", d.t, d.h_l);
  act.proj = activation("proj", d.t, d.h);
  act.mlp_hidden = activation("mlp_hidden", d.t, d.f_l);
  if (gemm_needs_cast(dtype)) {
    auto operand = [&](const char* name, std::int64_t rows, std::int64_t cols) {
      return plan.add_buffer({.name = name, .rows = rows, .cols = cols, .role = BufferRole::gemm_operand});
    };
    act.normed_in = operand("normed_fp8", d.t, d.h);
    act.context_in = operand("context_fp8", d.t, d.h_l);
    act.mlp_hidden_in = operand("mlp_hidden_fp8", d.t, d.f_l);
  }
  if (shape.moe.active()) act.moe = add_moe_buffers(plan);

  BufferId x = act.input;
  for (int layer = 0; layer < shape.layers; ++layer) {
    add_block(plan, layer, d, act, x, act.stream_b);
    x = act.stream_b;
  }
  plan.output = x;
  return plan;
}

namespace {

// Which flags a size is made of, so its overflow names them with their values.
enum ShapeFlag : unsigned { k_hidden = 1, k_heads = 2, k_ffn = 4, k_layers = 8, k_seq = 16, k_batch = 32, k_tp = 64 };
constexpr unsigned k_all_but_layers = k_hidden | k_heads | k_ffn | k_seq | k_batch | k_tp;

class ShapeMath {
 public:
  ShapeMath(const ModelShape& s, const ParallelLayout& l) : m_s(s), m_l(l) {}

  template <class T>
  T mul(T a, T b, unsigned flags, const char* term) const {
    return mul_or_throw(a, b, [&] { return describe(flags, term); });
  }
  template <class T>
  T add(T a, T b, unsigned flags, const char* term) const {
    return add_or_throw(a, b, [&] { return describe(flags, term); });
  }

 private:
  // "--hidden 4611686018427387904 --tp 2: the qkv weight size (hidden x 3 x hidden/tp)"
  std::string describe(unsigned flags, const char* term) const {
    std::string out;
    auto put = [&](unsigned flag, const char* name, std::int64_t v) {
      if (flags & flag) out += fmt::format("{}--{} {}", out.empty() ? "" : " ", name, v);
    };
    put(k_hidden, "hidden", m_s.hidden);
    put(k_heads, "heads", m_s.heads);
    put(k_ffn, "ffn", m_s.ffn);
    put(k_layers, "layers", m_s.layers);
    put(k_seq, "seq", m_s.seq);
    put(k_batch, "batch", m_s.batch);
    put(k_tp, "tp", m_l.tp);
    return fmt::format("{}: {}", out, term);
  }

  const ModelShape& m_s;
  const ParallelLayout& m_l;
};

}  // namespace

namespace {

// The MoE layers' share (model/moe_block.cpp): each MoE layer trades the
// dense MLP's 3 ops (5 with fp8's casts) and 2 weights for 11 ops (14) and 3
// weights, and the plan gains the shared MoE activations.
void add_moe_plan_size(PlanSize& size, const ModelShape& shape, const ParallelLayout& layout, DType dtype) {
  const MoePlanDelta m = moe_plan_delta(shape, layout, dtype);
  const bool fp8 = gemm_needs_cast(dtype);
  const char* what = "the MoE layers' sizes (--layers, --moe-experts, --moe-every)";
  auto mul = [&](u64 a, u64 b) { return mul_or_throw(a, b, what); };
  auto add = [&](u64 a, u64 b) { return add_or_throw(a, b, what); };
  size.buffer_bytes = add(add(size.buffer_bytes, m.shared_bytes), mul(m.moe_layers, m.layer_weight_bytes)) -
                      mul(m.moe_layers, m.dense_mlp_weight_bytes);
  size.buffers = add(add(size.buffers, m.shared_buffers), m.moe_layers);
  size.ops = add(size.ops, mul(m.moe_layers, fp8 ? 9 : 8));
  size.flops_per_iteration = add(size.flops_per_iteration, mul(m.moe_layers, m.layer_flops_bound)) -
                             mul(m.moe_layers, m.dense_mlp_flops);
  size.largest_filled_elements = std::max(size.largest_filled_elements, m.largest_filled);
  size.largest_buffer_elements = std::max(size.largest_buffer_elements, m.largest_buffer);
}

}  // namespace

// Mirrors build_transformer_plan buffer by buffer and op by op; the unit
// tests hold the two equal for every dtype and TP degree.
PlanSize transformer_plan_size(const ModelShape& shape, const ParallelLayout& layout, DType dtype) {
  const ShapeMath m(shape, layout);
  const std::int64_t tp = layout.tp, h = shape.hidden, h_l = h / tp, f_l = shape.ffn / tp;
  const std::int64_t heads_l = shape.heads / tp, d = shape.head_dim();
  const u64 e = U(element_bytes(dtype, BufferRole::activation)), e_in = U(element_bytes(dtype, BufferRole::gemm_operand));
  const bool fp8 = gemm_needs_cast(dtype);

  // Elements of each buffer.
  const std::int64_t t = m.mul(shape.batch, shape.seq, k_batch | k_seq, "the token count (batch x seq)");
  const std::int64_t qkv_cols = m.mul(std::int64_t{3}, h_l, k_hidden | k_tp, "the qkv width (3 x hidden/tp)");
  const std::int64_t th = m.mul(t, h, k_batch | k_seq | k_hidden, "the activation size (tokens x hidden)");
  const std::int64_t t_qkv =
      m.mul(t, qkv_cols, k_batch | k_seq | k_hidden | k_tp, "the qkv activation size (tokens x 3 x hidden/tp)");
  const unsigned score_flags = k_batch | k_heads | k_tp | k_seq;
  const char* score_term = "the attention score size (batch x heads/tp x seq x seq)";
  const std::int64_t scores = m.mul(m.mul(m.mul(shape.batch, heads_l, score_flags, score_term), shape.seq, score_flags,
                                          score_term), shape.seq, score_flags, score_term);
  const std::int64_t t_hl =
      m.mul(t, h_l, k_batch | k_seq | k_hidden | k_tp, "the attention context size (tokens x hidden/tp)");
  const std::int64_t t_fl = m.mul(t, f_l, k_batch | k_seq | k_ffn | k_tp, "the MLP activation size (tokens x ffn/tp)");
  const std::int64_t ln = m.mul(std::int64_t{2}, h, k_hidden, "the layernorm parameter size (2 x hidden)");
  const std::int64_t w_qkv = m.mul(h, qkv_cols, k_hidden | k_tp, "the qkv weight size (hidden x 3 x hidden/tp)");
  const std::int64_t w_out = m.mul(h_l, h, k_hidden | k_tp, "the output weight size (hidden/tp x hidden)");
  const std::int64_t w_mlp = m.mul(h, f_l, k_hidden | k_ffn | k_tp, "the MLP weight size (hidden x ffn/tp)");

  // Bytes: the activations once, the weights and layernorm parameters per layer.
  auto sum = [&](std::initializer_list<std::int64_t> parts, unsigned flags, const char* term) {
    u64 total = 0;
    for (std::int64_t p : parts) total = m.add(total, U(p), flags, term);
    return total;
  };
  const char* act_term = "the activation buffers' total size";
  u64 act_bytes = m.mul(sum({th, th, th, th, t_qkv, scores, t_hl, th, t_fl}, k_all_but_layers, act_term), e,
                        k_all_but_layers, act_term);
  if (fp8)
    act_bytes = m.add(act_bytes,
                      m.mul(sum({th, t_hl, t_fl}, k_all_but_layers, act_term), e_in, k_all_but_layers, act_term),
                      k_all_but_layers, act_term);
  const char* layer_term = "one layer's weight size";
  const u64 layer_bytes = m.add(m.mul(sum({ln, ln}, k_hidden, layer_term), e, k_hidden, layer_term),
                                m.mul(sum({w_qkv, w_out, w_mlp, w_mlp}, k_hidden | k_ffn | k_tp, layer_term), e_in,
                                      k_hidden | k_ffn | k_tp, layer_term),
                                k_hidden | k_ffn | k_tp, layer_term);
  const char* total_term = "the buffers' total size (activations + layers x weights)";
  const u64 buffer_bytes = m.add(act_bytes, m.mul(U(shape.layers), layer_bytes, k_all_but_layers | k_layers, total_term),
                                 k_all_but_layers | k_layers, total_term);
  // Every op's byte count is at most 2·tp times the buffer bytes (the ring
  // allreduce's 2·(tp−1)·payload is the largest factor); it must fit too.
  m.mul(buffer_bytes, 2 * U(tp), k_all_but_layers | k_layers,
        "the largest per-op byte count (up to 2 x tp x the buffer bytes)");

  // FLOPs: 2·m·n·k per GEMM, b·heads_l·s²·d for each causal attention product.
  const char* flop_term = "the FLOP count per layer";
  auto product = [&](u64 a, u64 b, u64 c) {
    return m.mul(m.mul(a, b, k_all_but_layers, flop_term), c, k_all_but_layers, flop_term);
  };
  auto plus = [&](u64 a, u64 b) { return m.add(a, b, k_all_but_layers, flop_term); };
  const u64 layer_flops = plus(plus(product(2, U(t_qkv), U(h)),     // qkv_proj
                                    product(2, U(scores), U(d))),   // attn_score + attn_context
                               plus(product(2, U(th), U(h_l)),      // out_proj
                                    product(4, U(t_fl), U(h))));    // mlp_up + mlp_down

  const u64 ops_per_layer = 12 + (tp > 1 ? 2 : 0) + (fp8 ? 4 : 0);
  const u64 layers = U(shape.layers);
  PlanSize size{.buffer_bytes = buffer_bytes,
                .buffers = m.add(u64{9 + (fp8 ? 3u : 0u)}, m.mul(u64{6}, layers, k_layers, "the buffer count"), k_layers,
                                 "the buffer count"),
                .ops = m.mul(ops_per_layer, layers, k_layers, "the op count"),
                .flops_per_iteration = m.mul(layer_flops, layers, k_all_but_layers | k_layers, "the FLOP count per iteration"),
                .largest_filled_elements = std::max({th, ln, w_qkv, w_out, w_mlp}),
                .largest_buffer_elements = std::max({th, t_qkv, scores, t_hl, t_fl, ln, w_qkv, w_out, w_mlp})};
  if (shape.moe.active()) add_moe_plan_size(size, shape, layout, dtype);
  return size;
}

}  // namespace flopwall
