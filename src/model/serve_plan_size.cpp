// The serve plan's sizes in closed form (build_serve_plan mirrored buffer
// by buffer and op by op; tests/unit/test_serve.cpp holds the two equal).
#include <fmt/format.h>

#include <algorithm>
#include <climits>

#include "core/checked_math.hpp"
#include "core/error.hpp"
#include "model/serve_plan.hpp"

namespace flopwall {
namespace {

using u64 = std::uint64_t;
u64 U(std::int64_t v) { return static_cast<u64>(v); }

}  // namespace

PlanSize serve_plan_size(const ModelShape& shape, const ServeShape& serve, const ParallelLayout& layout, DType dtype) {
  const std::string what = fmt::format(
      "--hidden {} --ffn {} --layers {} --tp {} --prompt-len {} --decode-steps {} --requests {}: the serve plan's size",
      shape.hidden, shape.ffn, shape.layers, layout.tp, serve.prompt_len, serve.decode_steps, serve.requests);
  auto mul = [&](u64 a, u64 b) { return mul_or_throw(a, b, what); };
  auto add = [&](u64 a, u64 b) { return add_or_throw(a, b, what); };
  auto sum = [&](std::initializer_list<u64> parts) {
    u64 total = 0;
    for (u64 p : parts) total = add(total, p);
    return total;
  };
  const std::int64_t tp = layout.tp, h = shape.hidden, h_l = h / tp, f_l = shape.ffn / tp;
  const u64 heads_l = U(shape.heads / tp), d = U(shape.head_dim()), layers = U(shape.layers);
  const u64 e = U(element_bytes(dtype, BufferRole::activation)), e_in = U(element_bytes(dtype, BufferRole::gemm_operand));
  const bool fp8 = gemm_needs_cast(dtype);
  const u64 R = U(serve.requests), n = U(serve.new_tokens()), c = U(serve.cached_tokens());
  const u64 P = U(serve.prompt_len), S = U(serve.decode_steps), L = U(serve.cache_len());

  // Elements of each buffer.
  const u64 t = mul(R, n), th = mul(t, U(h)), rh = mul(R, U(h));
  const u64 t_qkv = mul(t, 3 * U(h_l)), t_hl = mul(t, U(h_l)), t_fl = mul(t, U(f_l));
  const u64 ln = 2 * U(h), w_qkv = mul(U(h), 3 * U(h_l)), w_out = mul(U(h_l), U(h)), w_mlp = mul(U(h), U(f_l));
  const u64 cache = mul(mul(R, L), 2 * U(h_l));

  u64 act_bytes = mul(sum({th, rh, th, th, th, t_qkv, t_hl, th, t_fl}), e);
  if (fp8) act_bytes = add(act_bytes, mul(sum({th, t_hl, t_fl}), e_in));
  const u64 layer_bytes = sum({mul(2 * ln, e), mul(sum({w_qkv, w_out, w_mlp, w_mlp}), e_in), mul(cache, e)});
  const u64 buffer_bytes = add(act_bytes, mul(layers, layer_bytes));
  // The largest op byte count (the ring allreduce's) is at most 2·tp × the buffers.
  mul(buffer_bytes, 2 * U(tp));

  // FLOPs per layer: the GEMMs per token, 8·h·h_l + 4·h·f_l, for the prefill's
  // t and the decode steps' R·S tokens; attention 4·R·heads_l·d per visible
  // position of each query (serve_plan.cpp): the prefill's n queries from
  // position c see n·c + n(n+1)/2, decode step j's query P + j + 1.
  const u64 gemm_per_token = add(mul(8 * U(h), U(h_l)), mul(4 * U(h), U(f_l)));
  const u64 tokens = add(t, mul(R, S));
  const u64 prefill_positions = add(mul(n, c), mul(n, n + 1) / 2);
  const u64 decode_positions = add(mul(S, P + 1), mul(S, S - 1) / 2);
  const u64 attn = mul(mul(mul(R, heads_l), 4 * d), add(prefill_positions, decode_positions));
  const u64 layer_flops = add(mul(tokens, gemm_per_token), attn);

  const u64 ops_per_layer = 11 + (tp > 1 ? 2 : 0) + (fp8 ? 4 : 0);
  const u64 ops = mul(mul(S + 1, layers), ops_per_layer);
  // Every op id (and the injected-delay op) must fit the trace's int32 `op` column.
  if (ops > static_cast<u64>(INT32_MAX) - 1)
    throw UsageError(fmt::format("--decode-steps {} --layers {}: the serve wave has {} ops, more than the trace's {} "
                                 "op ids; lower --decode-steps or --layers",
                                 serve.decode_steps, shape.layers, ops, INT32_MAX - 1));
  const auto I = [](u64 v) { return static_cast<std::int64_t>(v); };  // each fits: its bytes fit u64 and e ≥ 1
  return {.buffer_bytes = buffer_bytes,
          .buffers = add(9 + (fp8 ? 3 : 0), mul(7, layers)),
          .ops = ops,
          .flops_per_iteration = mul(layer_flops, layers),
          .largest_filled_elements = I(std::max({th, rh, ln, w_qkv, w_out, w_mlp, cache})),
          .largest_buffer_elements = I(std::max({th, rh, t_qkv, t_hl, t_fl, ln, w_qkv, w_out, w_mlp, cache}))};
}

std::int64_t largest_requests_fitting(const ModelShape& shape, const ServeShape& serve, const ParallelLayout& layout,
                                      DType dtype, std::uint64_t bytes_per_rank, std::uint64_t other_bytes) {
  // Every activation and the cache scale with R, the weights do not: the
  // bytes are base + R·per_request exactly, read off the sizes at R = 1, 2.
  ServeShape one = serve, two = serve;
  one.requests = 1;
  two.requests = 2;
  const u64 b1 = serve_plan_size(shape, one, layout, dtype).buffer_bytes;
  const u64 per_request = serve_plan_size(shape, two, layout, dtype).buffer_bytes - b1;
  const u64 base = b1 - per_request;
  const u64 fixed = add_or_throw(base, other_bytes, "the serve plan's fixed bytes");
  if (bytes_per_rank < fixed || per_request == 0) return 0;
  return static_cast<std::int64_t>(std::min<u64>((bytes_per_rank - fixed) / per_request, INT64_MAX));
}

}  // namespace flopwall
