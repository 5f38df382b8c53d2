// The serve wave: the dense block of transformer_block.cpp (same weights,
// same TP split, same GEMMs and allreduces), with attention replaced by a
// write into the per-layer KV cache and an attention over that cache, run
// once for the prefill's uncached prompt tokens and once per decode step.
#include "model/serve_plan.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "core/checked_math.hpp"
#include "core/error.hpp"
#include "model/dense_weights.hpp"

namespace flopwall {
namespace {

using u64 = std::uint64_t;
u64 U(std::int64_t v) { return static_cast<u64>(v); }

// Checked arithmetic whose overflow names the flags the sizes come from.
class Checked {
 public:
  Checked(const ModelShape& s, const ServeShape& v, const ParallelLayout& l)
      : m_what(fmt::format("--hidden {} --ffn {} --layers {} --tp {} --prompt-len {} --decode-steps {} --requests {}: "
                           "the serve plan's size",
                           s.hidden, s.ffn, s.layers, l.tp, v.prompt_len, v.decode_steps, v.requests)) {}
  u64 mul(u64 a, u64 b) const { return mul_or_throw(a, b, m_what); }
  u64 mul(u64 a, u64 b, u64 c) const { return mul(mul(a, b), c); }
  u64 add(u64 a, u64 b) const { return add_or_throw(a, b, m_what); }
  std::int64_t imul(std::int64_t a, std::int64_t b) const { return mul_or_throw(a, b, m_what); }

 private:
  std::string m_what;
};

// The per-phase sizes: the prefill runs t = R·n tokens, a decode step t = R.
struct Phase {
  std::int64_t t;      // tokens this phase computes
  std::int64_t q;      // tokens per request (n, or 1)
  std::int64_t start;  // cache position of the first of them
  int step;            // -1: prefill
  const char* prefix;  // "" or "decode_"
};

struct Dims {
  std::int64_t h, h_l, f_l, heads_l, d, cache_len, requests;
  std::int64_t e, e_in;
  ElementType type;
};

struct Buffers {
  BufferId input, decode_input, stream_a, stream_b, normed, qkv, context, proj, mlp_hidden;
  BufferId normed_in = -1, context_in = -1, mlp_hidden_in = -1;
};

struct LayerWeights {
  BufferId ln1, w_qkv, w_out, ln2, w_up, w_down, cache;
};

// FLOPs of attention over the cache: every query at position p multiplies
// and adds over p + 1 keys and p + 1 values of head_dim: 4·d·(p + 1) FLOPs.
// Summed over the q queries from `start`: 4·d·(q·start + q(q+1)/2).
u64 cached_attention_flops(const Checked& c, const Dims& d, std::int64_t q, std::int64_t start) {
  const u64 positions = c.add(c.mul(U(q), U(start)), c.mul(U(q), U(q) + 1) / 2);
  return c.mul(c.mul(U(d.requests), U(d.heads_l), 4), c.mul(U(d.d), positions));
}

class Builder {
 public:
  Builder(Plan& plan, const Dims& d, const Checked& c) : m_plan(plan), m_d(d), m_c(c) {}

  void layer(int layer, const LayerWeights& w, const Buffers& b, const Phase& p, BufferId x_in, BufferId x_out) {
    const Dims& d = m_d;
    const std::int64_t th = m_c.imul(p.t, d.h);
    push(memory(p, "ln_attn", layer, LayerNormOp{x_in, w.ln1, b.normed, p.t, d.h},
                m_c.mul(m_c.add(m_c.mul(2, U(th)), m_c.mul(2, U(d.h))), U(d.e))));
    const BufferId qkv_in = cast(p, "fp8_cast_qkv", layer, b.normed, b.normed_in, th);
    push(gemm(p, "qkv_proj", layer, qkv_in, w.w_qkv, b.qkv, p.t, 3 * d.h_l, d.h));
    const u64 kv_elems = m_c.mul(U(p.t), 2, U(d.h_l));
    push(memory(p, "kv_write", layer, KvWriteOp{b.qkv, w.cache, d.requests, p.q, p.start, d.cache_len, d.h_l},
                m_c.mul(2, kv_elems, U(d.e))));
    // Minimum traffic: Q in and the context out once, and K and V of every
    // visible position once per (request, head).
    const std::int64_t visible = p.start + p.q;
    const u64 attn_bytes = m_c.mul(m_c.mul(U(d.requests), U(d.heads_l), U(d.d)),
                                   m_c.add(m_c.mul(2, U(p.q)), m_c.mul(2, U(visible))), U(d.e));
    Op attn = {.name = std::string(p.prefix) + (p.step < 0 ? "cached_attention" : "attention"),
               .kind = p.step < 0 ? OpKind::compute : OpKind::memory, .layer = layer,
               .params = CachedAttentionOp{b.qkv, w.cache, b.context, d.requests, d.heads_l, p.q, p.start,
                                           d.cache_len, d.d},
               .flops = cached_attention_flops(m_c, d, p.q, p.start), .bytes_mem = attn_bytes, .step = p.step};
    push(std::move(attn));
    const BufferId out_in = cast(p, "fp8_cast_out", layer, b.context, b.context_in, m_c.imul(p.t, d.h_l));
    push(gemm(p, "out_proj", layer, out_in, w.w_out, b.proj, p.t, d.h, d.h_l));
    if (m_plan.layout.tp > 1) push(allreduce(p, "allreduce_attn", layer, b.proj, th));
    push(memory(p, "residual_attn", layer, ResidualAddOp{x_in, b.proj, b.stream_a, th}, m_c.mul(3, U(th), U(d.e))));
    push(memory(p, "ln_mlp", layer, LayerNormOp{b.stream_a, w.ln2, b.normed, p.t, d.h},
                m_c.mul(m_c.add(m_c.mul(2, U(th)), m_c.mul(2, U(d.h))), U(d.e))));
    const BufferId up_in = cast(p, "fp8_cast_up", layer, b.normed, b.normed_in, th);
    push(gemm(p, "mlp_up", layer, up_in, w.w_up, b.mlp_hidden, p.t, d.f_l, d.h));
    const std::int64_t tf = m_c.imul(p.t, d.f_l);
    push(memory(p, "gelu", layer, GeluOp{b.mlp_hidden, tf}, m_c.mul(2, U(tf), U(d.e))));
    const BufferId down_in = cast(p, "fp8_cast_down", layer, b.mlp_hidden, b.mlp_hidden_in, tf);
    push(gemm(p, "mlp_down", layer, down_in, w.w_down, b.proj, p.t, d.h, d.f_l));
    if (m_plan.layout.tp > 1) push(allreduce(p, "allreduce_mlp", layer, b.proj, th));
    push(memory(p, "residual_mlp", layer, ResidualAddOp{b.stream_a, b.proj, x_out, th}, m_c.mul(3, U(th), U(d.e))));
  }

 private:
  void push(Op op) { m_plan.ops.push_back(std::move(op)); }

  static std::string named(const Phase& p, const char* name) { return std::string(p.prefix) + name; }

  Op memory(const Phase& p, const char* name, int layer, DeviceOp params, u64 bytes) const {
    return {.name = named(p, name), .kind = OpKind::memory, .layer = layer, .params = std::move(params),
            .bytes_mem = bytes, .step = p.step};
  }

  Op gemm(const Phase& p, const char* name, int layer, BufferId a, BufferId b, BufferId c, std::int64_t m,
          std::int64_t n, std::int64_t k) const {
    const Dims& d = m_d;
    return {.name = named(p, name), .kind = OpKind::compute, .layer = layer, .params = GemmOp{a, b, c, m, n, k},
            .flops = m_c.mul(m_c.mul(2, U(m), U(n)), U(k)),
            .bytes_mem = m_c.add(m_c.mul(m_c.add(m_c.mul(U(m), U(k)), m_c.mul(U(k), U(n))), U(d.e_in)),
                                 m_c.mul(m_c.mul(U(m), U(n)), U(d.e))),
            .step = p.step};
  }

  BufferId cast(const Phase& p, const char* name, int layer, BufferId act, BufferId cast_buffer, std::int64_t count) {
    if (cast_buffer < 0) return act;
    push(memory(p, name, layer, CastOp{act, cast_buffer, count}, m_c.mul(U(count), U(m_d.e + m_d.e_in))));
    return cast_buffer;
  }

  // The dense block's TP allreduce (transformer_block.cpp): bus bytes on the wire.
  Op allreduce(const Phase& p, const char* name, int layer, BufferId x, std::int64_t count) const {
    const int tp = m_plan.layout.tp;
    const CollectiveCall call = make_call(Collective::allreduce, count, tp, m_d.type, ReduceOp::sum, 0, true);
    const u64 payload = m_c.mul(U(call.shape.count), U(m_d.e));
    return {.name = named(p, name), .kind = OpKind::comm, .layer = layer, .group = CommGroup::tp,
            .params = CommOp{.call = call, .send = x, .recv = x},
            .bytes_comm = bus_bytes(descriptor(Collective::allreduce), payload, tp), .step = p.step};
  }

  Plan& m_plan;
  const Dims& m_d;
  const Checked& m_c;
};

// The dense block's weights (model/dense_weights.hpp), so that a serve wave
// computes what the forward pass of transformer_block.cpp would, and its KV cache.
LayerWeights add_layer(Plan& plan, int layer, const Dims& d) {
  const std::int64_t r = plan.position.tp_rank;
  const DenseWeights dense = add_dense_weights(plan, layer);
  LayerWeights w{.ln1 = dense.ln_attn, .w_qkv = dense.w_qkv, .w_out = dense.w_out, .ln2 = dense.ln_mlp,
                 .w_up = dense.w_up, .w_down = dense.w_down};
  // The cache [R·(P+S), K | V]: filled before timing with values of the
  // global [R·(P+S), 2·h] cache (this rank's heads of K and of V), so the
  // cached prefix holds the same keys at every TP degree. Positions from the
  // first uncached token on are rewritten by every wave before they are read.
  w.cache = plan.add_buffer({.name = fmt::format("layer{}.kv_cache", layer), .rows = d.requests * d.cache_len,
                             .cols = 2 * d.h_l, .fill = BufferFill::kv_cache, .role = BufferRole::activation,
                             .seed = 0xCAC4E00000ULL + (U(layer) << 8) + U(plan.position.dp_rank),
                             .shard = {.global_rows = d.requests * d.cache_len, .block_cols = d.h_l, .block_stride = d.h,
                                       .col_offset = r * d.h_l}});
  return w;
}

}  // namespace

std::int64_t ServeShape::cached_tokens() const noexcept {
  const double hit = std::llround(kv_hit * static_cast<double>(prompt_len));
  return std::clamp<std::int64_t>(static_cast<std::int64_t>(hit), 0, std::max<std::int64_t>(prompt_len - 1, 0));
}

std::int64_t ServeShape::cache_len() const {
  return add_or_throw(prompt_len, decode_steps, "--prompt-len + --decode-steps (the KV cache positions)");
}

void validate_serve_shape(const ServeShape& v) {
  if (v.prompt_len <= 0) throw UsageError(fmt::format("--prompt-len {} is not valid; give an integer ≥ 1", v.prompt_len));
  if (v.decode_steps <= 0)
    throw UsageError(fmt::format("--decode-steps {} is not valid; give an integer ≥ 1", v.decode_steps));
  if (v.requests <= 0) throw UsageError(fmt::format("--requests {} is not valid; give an integer ≥ 1", v.requests));
  if (!(v.kv_hit >= 0.0 && v.kv_hit <= 1.0))  // NaN fails both
    throw UsageError(fmt::format("--kv-hit {} is not valid; give a hit rate in [0, 1]", v.kv_hit));
  v.cache_len();
}

std::uint64_t kv_bytes_per_token(const ModelShape& shape, DType dtype) {
  const auto e = static_cast<u64>(element_bytes(dtype, BufferRole::activation));
  return mul_or_throw(mul_or_throw(2 * e, U(shape.layers), "the KV bytes per token"), U(shape.hidden),
                      "the KV bytes per token (2 x layers x hidden x element size)");
}

Plan build_serve_plan(const ModelShape& shape, const ServeShape& serve, const ParallelLayout& layout, int world_rank,
                      DType dtype) {
  validate_layout(shape, layout);
  validate_serve_shape(serve);
  const PlanSize size = serve_plan_size(shape, serve, layout, dtype);  // every size below fits
  Plan plan{.shape = shape, .layout = layout, .position = rank_position(layout, world_rank), .dtype = dtype,
            .serve = serve};
  plan.buffers.reserve(static_cast<std::size_t>(size.buffers));
  plan.ops.reserve(static_cast<std::size_t>(size.ops) + 1);  // + the injected-delay op, if any
  const Checked c(shape, serve, layout);
  const int tp = layout.tp;
  const std::int64_t R = serve.requests, n = serve.new_tokens();
  const Dims d{.h = shape.hidden, .h_l = shape.hidden / tp, .f_l = shape.ffn / tp, .heads_l = shape.heads / tp,
               .d = shape.head_dim(), .cache_len = serve.cache_len(), .requests = R,
               .e = element_bytes(dtype, BufferRole::activation), .e_in = element_bytes(dtype, BufferRole::gemm_operand),
               .type = element_type(dtype, BufferRole::activation)};
  const std::int64_t t = R * n;  // the prefill's tokens; a decode step uses the first R rows of each buffer
  auto activation = [&](const char* name, std::int64_t rows, std::int64_t cols) {
    return plan.add_buffer({.name = name, .rows = rows, .cols = cols});
  };
  Buffers b{};
  // Inputs are never written, so every wave computes the same thing.
  b.input = plan.add_buffer({.name = "input", .rows = t, .cols = d.h, .fill = BufferFill::input,
                             .seed = 0xF10F0000ULL + U(plan.position.dp_rank)});
  b.decode_input = plan.add_buffer({.name = "decode_input", .rows = R, .cols = d.h, .fill = BufferFill::input,
                                    .seed = 0xDEC0000ULL + U(plan.position.dp_rank)});
  b.stream_a = activation("stream_a", t, d.h);
  b.stream_b = activation("stream_b", t, d.h);
  b.normed = activation("normed", t, d.h);
  b.qkv = activation("qkv", t, 3 * d.h_l);
  b.context = activation("context", t, d.h_l);
  b.proj = activation("proj", t, d.h);
  b.mlp_hidden = activation("mlp_hidden", t, d.f_l);
  if (gemm_needs_cast(dtype)) {
    auto operand = [&](const char* name, std::int64_t rows, std::int64_t cols) {
      return plan.add_buffer({.name = name, .rows = rows, .cols = cols, .role = BufferRole::gemm_operand});
    };
    b.normed_in = operand("normed_fp8", t, d.h);
    b.context_in = operand("context_fp8", t, d.h_l);
    b.mlp_hidden_in = operand("mlp_hidden_fp8", t, d.f_l);
  }
  std::vector<LayerWeights> weights;
  weights.reserve(static_cast<std::size_t>(shape.layers));
  for (int layer = 0; layer < shape.layers; ++layer) weights.push_back(add_layer(plan, layer, d));

  Builder builder(plan, d, c);
  const Phase prefill{.t = t, .q = n, .start = serve.cached_tokens(), .step = -1, .prefix = ""};
  BufferId x = b.input;
  for (int layer = 0; layer < shape.layers; ++layer) {
    builder.layer(layer, weights[static_cast<std::size_t>(layer)], b, prefill, x, b.stream_b);
    x = b.stream_b;
  }
  // Each decode step feeds its output to the next; the first starts from its own input.
  x = b.decode_input;
  for (std::int64_t j = 0; j < serve.decode_steps; ++j) {
    const Phase step{.t = R, .q = 1, .start = serve.prompt_len + j, .step = static_cast<int>(j), .prefix = "decode_"};
    for (int layer = 0; layer < shape.layers; ++layer) {
      builder.layer(layer, weights[static_cast<std::size_t>(layer)], b, step, x, b.stream_b);
      x = b.stream_b;
    }
  }
  plan.output = x;
  return plan;
}

}  // namespace flopwall
