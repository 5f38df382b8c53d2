// The dense transformer block, split over a tensor-parallel group the way
// Megatron-LM splits it: QKV and MLP-up are column-parallel (each rank owns
// whole heads / a slice of the MLP), the output and MLP-down projections are
// row-parallel and end in an allreduce of partial sums.
#include <fmt/format.h>

#include "model/plan.hpp"

namespace flopwall {
namespace {

using u64 = std::uint64_t;

u64 U(std::int64_t v) { return static_cast<u64>(v); }

struct Dims {
  std::int64_t t;       // tokens per replica
  std::int64_t h;       // hidden
  std::int64_t h_l;     // hidden columns owned by this rank (heads_l · d)
  std::int64_t f_l;     // ffn columns owned by this rank
  std::int64_t heads_l; // heads owned by this rank
  std::int64_t d;       // head size
  std::int64_t b, s;    // sequences, sequence length
  std::int64_t e;       // activation element size in bytes
  std::int64_t e_in;    // GEMM operand (weights, fp8 copies) element size
};

struct Activations {
  BufferId input, stream_a, stream_b, normed, qkv, scores, context, proj, mlp_hidden;
  // fp8 runs only: the GEMM-operand copies of normed, context and mlp_hidden.
  BufferId normed_in = -1, context_in = -1, mlp_hidden_in = -1;
};

Op gemm(std::string name, int layer, BufferId a, BufferId b, BufferId c, std::int64_t m, std::int64_t n,
        std::int64_t k, const Dims& d) {
  return {.name = std::move(name), .kind = OpKind::compute, .layer = layer, .params = GemmOp{a, b, c, m, n, k},
          .flops = 2 * U(m) * U(n) * U(k), .bytes_mem = U(m * k + k * n) * U(d.e_in) + U(m * n) * U(d.e)};
}

// Appends a cast to the GEMM operand type when the dtype needs one (fp8) and
// returns the buffer the GEMM should read.
BufferId gemm_input(Plan& plan, const char* name, int layer, BufferId act, BufferId cast_buffer, std::int64_t count,
                    const Dims& d) {
  if (cast_buffer < 0) return act;
  plan.ops.push_back({.name = name, .kind = OpKind::memory, .layer = layer,
                      .params = CastOp{act, cast_buffer, count}, .bytes_mem = U(count) * U(d.e + d.e_in)});
  return cast_buffer;
}

Op layernorm(std::string name, int layer, BufferId x, BufferId params, BufferId y, const Dims& d) {
  return {.name = std::move(name), .kind = OpKind::memory, .layer = layer,
          .params = LayerNormOp{x, params, y, d.t, d.h}, .bytes_mem = U(2 * d.t * d.h + 2 * d.h) * U(d.e)};
}

Op residual(std::string name, int layer, BufferId x, BufferId y, BufferId out, const Dims& d) {
  return {.name = std::move(name), .kind = OpKind::memory, .layer = layer,
          .params = ResidualAddOp{x, y, out, d.t * d.h}, .bytes_mem = 3 * U(d.t * d.h) * U(d.e)};
}

// Ring allreduce: every rank sends 2·(p−1)/p of the payload (nccl-tests'
// bus-bandwidth factor); p divides the payload because heads % tp == 0.
Op allreduce(std::string name, int layer, BufferId x, const Dims& d, int tp) {
  const u64 payload = U(d.t * d.h) * U(d.e);
  return {.name = std::move(name), .kind = OpKind::comm, .layer = layer, .group = CommGroup::tp,
          .params = AllReduceOp{x, d.t * d.h}, .bytes_comm = 2 * U(tp - 1) * payload / U(tp)};
}

BufferId add_weight(Plan& plan, int layer, const char* name, std::uint64_t matrix, std::int64_t rows,
                    std::int64_t cols, WeightShard shard) {
  return plan.add_buffer({.name = fmt::format("layer{}.{}", layer, name), .rows = rows, .cols = cols,
                          .fill = BufferFill::weight, .role = BufferRole::gemm_operand,
                          .seed = (U(layer) << 8) | matrix, .shard = shard});
}

BufferId add_layernorm_params(Plan& plan, int layer, const char* name, std::uint64_t matrix, std::int64_t h) {
  return plan.add_buffer({.name = fmt::format("layer{}.{}", layer, name), .rows = 1, .cols = 2 * h,
                          .fill = BufferFill::layernorm, .seed = (U(layer) << 8) | matrix});
}

void add_block(Plan& plan, int layer, const Dims& d, const Activations& act, BufferId x_in, BufferId x_out) {
  const int tp = plan.layout.tp;
  const std::int64_t r = plan.position.tp_rank;
  const BufferId ln1 = add_layernorm_params(plan, layer, "ln_attn", 0, d.h);
  const BufferId w_qkv = add_weight(plan, layer, "w_qkv", 1, d.h, 3 * d.h_l,
                                    {.global_rows = d.h, .block_cols = d.h_l, .block_stride = d.h,
                                     .col_offset = r * d.h_l});
  const BufferId w_out = add_weight(plan, layer, "w_out", 2, d.h_l, d.h,
                                    {.global_rows = d.h, .row_offset = r * d.h_l, .block_cols = d.h,
                                     .block_stride = d.h});
  const BufferId ln2 = add_layernorm_params(plan, layer, "ln_mlp", 3, d.h);
  const std::int64_t f = d.f_l * tp;
  const BufferId w_up = add_weight(plan, layer, "w_up", 4, d.h, d.f_l,
                                   {.global_rows = d.h, .block_cols = d.f_l, .block_stride = f,
                                    .col_offset = r * d.f_l});
  const BufferId w_down = add_weight(plan, layer, "w_down", 5, d.f_l, d.h,
                                     {.global_rows = f, .row_offset = r * d.f_l, .block_cols = d.h,
                                      .block_stride = d.h});

  // Megatron counts causal attention at half the dense score/context matmuls.
  const u64 attn_flops = U(d.b) * U(d.heads_l) * U(d.s) * U(d.s) * U(d.d);
  const u64 score_bytes = U(d.b * d.heads_l * d.s * d.s) * U(d.e);
  const u64 qk_bytes = 2 * U(d.t * d.h_l) * U(d.e);
  auto& ops = plan.ops;

  ops.push_back(layernorm("ln_attn", layer, x_in, ln1, act.normed, d));
  const BufferId qkv_in = gemm_input(plan, "fp8_cast_qkv", layer, act.normed, act.normed_in, d.t * d.h, d);
  ops.push_back(gemm("qkv_proj", layer, qkv_in, w_qkv, act.qkv, d.t, 3 * d.h_l, d.h, d));
  ops.push_back({.name = "attn_score", .kind = OpKind::compute, .layer = layer,
                 .params = AttentionScoreOp{act.qkv, act.scores, d.b, d.heads_l, d.s, d.d},
                 .flops = attn_flops, .bytes_mem = qk_bytes + score_bytes});
  ops.push_back({.name = "attn_softmax", .kind = OpKind::memory, .layer = layer,
                 .params = CausalSoftmaxOp{act.scores, d.b * d.heads_l, d.s}, .bytes_mem = 2 * score_bytes});
  ops.push_back({.name = "attn_context", .kind = OpKind::compute, .layer = layer,
                 .params = AttentionContextOp{act.scores, act.qkv, act.context, d.b, d.heads_l, d.s, d.d},
                 .flops = attn_flops, .bytes_mem = score_bytes + qk_bytes});
  const BufferId out_in = gemm_input(plan, "fp8_cast_out", layer, act.context, act.context_in, d.t * d.h_l, d);
  ops.push_back(gemm("out_proj", layer, out_in, w_out, act.proj, d.t, d.h, d.h_l, d));
  if (tp > 1) ops.push_back(allreduce("allreduce_attn", layer, act.proj, d, tp));
  ops.push_back(residual("residual_attn", layer, x_in, act.proj, act.stream_a, d));
  ops.push_back(layernorm("ln_mlp", layer, act.stream_a, ln2, act.normed, d));
  const BufferId up_in = gemm_input(plan, "fp8_cast_up", layer, act.normed, act.normed_in, d.t * d.h, d);
  ops.push_back(gemm("mlp_up", layer, up_in, w_up, act.mlp_hidden, d.t, d.f_l, d.h, d));
  ops.push_back({.name = "gelu", .kind = OpKind::memory, .layer = layer,
                 .params = GeluOp{act.mlp_hidden, d.t * d.f_l}, .bytes_mem = 2 * U(d.t * d.f_l) * U(d.e)});
  const BufferId down_in =
      gemm_input(plan, "fp8_cast_down", layer, act.mlp_hidden, act.mlp_hidden_in, d.t * d.f_l, d);
  ops.push_back(gemm("mlp_down", layer, down_in, w_down, act.proj, d.t, d.h, d.f_l, d));
  if (tp > 1) ops.push_back(allreduce("allreduce_mlp", layer, act.proj, d, tp));
  ops.push_back(residual("residual_mlp", layer, act.stream_a, act.proj, x_out, d));
}

}  // namespace

Plan build_transformer_plan(const ModelShape& shape, const ParallelLayout& layout, int world_rank, DType dtype) {
  validate_layout(shape, layout);
  Plan plan{.shape = shape, .layout = layout, .position = rank_position(layout, world_rank), .dtype = dtype};
  const int tp = layout.tp;
  const Dims d{.t = shape.tokens(), .h = shape.hidden, .h_l = shape.hidden / tp, .f_l = shape.ffn / tp,
               .heads_l = shape.heads / tp, .d = shape.head_dim(), .b = shape.batch, .s = shape.seq,
               .e = element_bytes(dtype, BufferRole::activation),
               .e_in = element_bytes(dtype, BufferRole::gemm_operand)};

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
  act.qkv = activation("qkv", d.t, 3 * d.h_l);
  act.scores = activation("scores", d.b * d.heads_l * d.s, d.s);
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

  BufferId x = act.input;
  for (int layer = 0; layer < shape.layers; ++layer) {
    add_block(plan, layer, d, act, x, act.stream_b);
    x = act.stream_b;
  }
  plan.output = x;
  return plan;
}

}  // namespace flopwall
