#include "model/moe_block.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>

#include "core/checked_math.hpp"
#include "model/moe_routing.hpp"

namespace flopwall {
namespace {

using u64 = std::uint64_t;
u64 U(std::int64_t v) { return static_cast<u64>(v); }

constexpr const char* k_moe_counts = "the MoE layer's size (--moe-experts, --moe-topk, --moe-capacity, --batch, --seq)";
u64 mul(u64 a, u64 b) { return mul_or_throw(a, b, k_moe_counts); }
u64 mul(u64 a, u64 b, u64 c) { return mul(mul(a, b), c); }
u64 add(u64 a, u64 b) { return add_or_throw(a, b, k_moe_counts); }
std::int64_t mul(std::int64_t a, std::int64_t b) { return mul_or_throw(a, b, k_moe_counts); }

struct MoeDims {
  std::int64_t t, h, f, f_l, E, E_l, K, received_max;
  u64 e, e_in;
};

MoeDims dims_of(const Plan& plan) {
  const ModelShape& s = plan.shape;
  const std::int64_t t = s.tokens();
  return {.t = t, .h = s.hidden, .f = s.ffn, .f_l = s.ffn / plan.layout.tp, .E = s.moe.experts,
          .E_l = s.moe.experts / plan.layout.ep, .K = s.moe.topk,
          .received_max = moe_max_received_rows(s.moe, plan.layout, t),
          .e = U(element_bytes(plan.dtype, BufferRole::activation)),
          .e_in = U(element_bytes(plan.dtype, BufferRole::gemm_operand))};
}

template <class T>
std::shared_ptr<const std::vector<T>> share(std::vector<T> v) {
  return std::make_shared<const std::vector<T>>(std::move(v));
}

// Counts and displacements of an all-to-all-v in elements (rows · h).
struct Exchange {
  std::shared_ptr<const std::vector<std::int64_t>> counts, displs;
};
Exchange exchange_of(const std::vector<std::int64_t>& rows, std::int64_t h) {
  std::vector<std::int64_t> counts(rows.size()), displs(rows.size());
  std::int64_t at = 0;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    counts[i] = mul(rows[i], h);
    displs[i] = at;
    at = add_or_throw(at, counts[i], k_moe_counts);
  }
  return {share(std::move(counts)), share(std::move(displs))};
}

// Bytes this rank puts on the wire: every row but those it keeps for itself.
u64 wire_bytes(const std::vector<std::int64_t>& rows, std::int64_t self, const MoeDims& d) {
  u64 total = 0;
  for (std::size_t q = 0; q < rows.size(); ++q)
    if (static_cast<std::int64_t>(q) != self) total = add(total, mul(U(rows[q]), U(d.h), d.e));
  return total;
}

BufferId add_moe_weight(Plan& plan, int layer, const char* name, std::uint64_t matrix, std::int64_t rows,
                        std::int64_t cols, WeightShard shard) {
  return plan.add_buffer({.name = fmt::format("layer{}.{}", layer, name), .rows = rows, .cols = cols,
                          .fill = BufferFill::weight, .role = BufferRole::gemm_operand,
                          .seed = (U(layer) << 8) | matrix, .shard = shard});
}

}  // namespace

MoeBuffers add_moe_buffers(Plan& plan) {
  const MoeDims d = dims_of(plan);
  auto activation = [&](const char* name, std::int64_t rows, std::int64_t cols) {
    return plan.add_buffer({.name = name, .rows = rows, .cols = cols});
  };
  MoeBuffers b;
  b.logits = activation("moe_logits", d.t, d.E);
  b.topk = activation("moe_topk", d.t, mul(2, d.K));
  b.send = activation("moe_send", mul(d.t, d.K), d.h);
  b.recv = activation("moe_recv", d.received_max, d.h);
  b.expert_in = activation("moe_expert_in", d.received_max, d.h);
  b.hidden = activation("moe_hidden", d.received_max, d.f_l);
  b.expert_out = activation("moe_expert_out", d.received_max, d.h);
  if (gemm_needs_cast(plan.dtype)) {
    b.expert_in_fp8 = plan.add_buffer({.name = "moe_expert_in_fp8", .rows = d.received_max, .cols = d.h,
                                       .role = BufferRole::gemm_operand});
    b.hidden_fp8 = plan.add_buffer({.name = "moe_hidden_fp8", .rows = d.received_max, .cols = d.f_l,
                                    .role = BufferRole::gemm_operand});
  }
  return b;
}

void add_moe_mlp(Plan& plan, const MoeBuffers& b, const MoeMlpIo& io) {
  const MoeDims d = dims_of(plan);
  const int layer = io.layer;
  const std::int64_t tp_r = plan.position.tp_rank, ep_r = plan.position.dp_rank % plan.layout.ep;
  const RankRoute route = route_rank(plan.shape.moe, plan.layout, d.t, layer, plan.position.dp_rank);
  const std::int64_t S = route.sent_rows(), R = route.received_rows();

  // The router is replicated (every TP rank routes the same tokens); expert
  // g's up matrix is rows [g·h, (g+1)·h) of an [E·h, f] global matrix, its
  // down matrix rows [g·f, (g+1)·f) of [E·f, h]; both split over TP as the
  // dense MLP's are, so TP = 1 and TP = 2 compute the same experts.
  const BufferId w_router = add_moe_weight(plan, layer, "w_router", 6, d.h, d.E,
                                           {.global_rows = d.h, .block_cols = d.E, .block_stride = d.E});
  const BufferId w_up = add_moe_weight(plan, layer, "w_expert_up", 7, mul(d.E_l, d.h), d.f_l,
                                       {.global_rows = d.h, .row_offset = mul(ep_r, mul(d.E_l, d.h)),
                                        .block_cols = d.f_l, .block_stride = d.f, .col_offset = tp_r * d.f_l});
  const BufferId w_down = add_moe_weight(plan, layer, "w_expert_down", 8, mul(d.E_l, d.f_l), d.h,
                                         {.global_rows = d.f, .row_offset = add_or_throw(mul(mul(ep_r, d.E_l), d.f),
                                                                                         tp_r * d.f_l, k_moe_counts),
                                          .block_cols = d.h, .block_stride = d.h, .block_rows = d.f_l,
                                          .row_block_stride = d.f});
  auto& ops = plan.ops;
  auto cast = [&](const char* name, BufferId src, BufferId dst, std::int64_t count) {
    if (dst < 0) return src;
    ops.push_back({.name = name, .kind = OpKind::memory, .layer = layer, .params = CastOp{src, dst, count},
                   .bytes_mem = mul(U(count), add(d.e, d.e_in))});
    return dst;
  };
  auto gather = [&](const char* name, BufferId src, BufferId dst, std::vector<std::int64_t> index) {
    const u64 rows = index.size();
    ops.push_back({.name = name, .kind = OpKind::memory, .layer = layer,
                   .params = GatherRowsOp{src, dst, d.h, share(std::move(index))}, .bytes_mem = mul(2, rows * U(d.h), d.e)});
  };
  const ElementType type = element_type(plan.dtype, BufferRole::activation);
  auto exchange = [&](const char* name, BufferId src, BufferId dst, const std::vector<std::int64_t>& send_rows,
                      const std::vector<std::int64_t>& recv_rows) {
    const Exchange s = exchange_of(send_rows, d.h), r = exchange_of(recv_rows, d.h);
    ops.push_back({.name = name, .kind = OpKind::comm, .layer = layer, .group = CommGroup::ep,
                   .params = AllToAllVOp{.send = src, .recv = dst, .type = type, .send_counts = s.counts,
                                         .send_displs = s.displs, .recv_counts = r.counts, .recv_displs = r.displs},
                   .bytes_comm = wire_bytes(send_rows, ep_r, d)});
  };

  const BufferId router_in = cast("fp8_cast_router", io.normed, io.normed_in, mul(d.t, d.h));
  ops.push_back({.name = "moe_router", .kind = OpKind::compute, .layer = layer,
                 .params = GemmOp{router_in, w_router, b.logits, d.t, d.E, d.h},
                 .flops = mul(2, U(d.t), mul(U(d.h), U(d.E))),
                 .bytes_mem = add(mul(add(mul(U(d.t), U(d.h)), mul(U(d.h), U(d.E))), d.e_in), mul(U(d.t), U(d.E), d.e))});
  ops.push_back({.name = "moe_topk", .kind = OpKind::memory, .layer = layer,
                 .params = TopKOp{b.logits, b.topk, d.t, d.E, d.K},
                 .bytes_mem = mul(add(mul(U(d.t), U(d.E)), mul(2, U(d.t), U(d.K))), d.e)});
  gather("moe_permute", io.normed, b.send, route.permute);
  exchange("moe_dispatch", b.send, b.recv, route.send_counts, route.recv_counts);
  gather("moe_regroup", b.recv, b.expert_in, route.regroup);
  const auto expert_rows = share(route.expert_rows);
  const BufferId up_in = cast("fp8_cast_expert_up", b.expert_in, b.expert_in_fp8, mul(R, d.h));
  ops.push_back({.name = "moe_expert_up", .kind = OpKind::compute, .layer = layer,
                 .params = GroupedGemmOp{up_in, w_up, b.hidden, d.f_l, d.h, expert_rows},
                 .flops = mul(2, U(R), mul(U(d.h), U(d.f_l))),
                 .bytes_mem = add(mul(add(mul(U(R), U(d.h)), mul(U(d.E_l), U(d.h), U(d.f_l))), d.e_in),
                                  mul(U(R), U(d.f_l), d.e))});
  ops.push_back({.name = "moe_gelu", .kind = OpKind::memory, .layer = layer, .params = GeluOp{b.hidden, mul(R, d.f_l)},
                 .bytes_mem = mul(2, mul(U(R), U(d.f_l)), d.e)});
  const BufferId down_in = cast("fp8_cast_expert_down", b.hidden, b.hidden_fp8, mul(R, d.f_l));
  ops.push_back({.name = "moe_expert_down", .kind = OpKind::compute, .layer = layer,
                 .params = GroupedGemmOp{down_in, w_down, b.expert_out, d.h, d.f_l, expert_rows},
                 .flops = mul(2, U(R), mul(U(d.f_l), U(d.h))),
                 .bytes_mem = add(mul(add(mul(U(R), U(d.f_l)), mul(U(d.E_l), U(d.f_l), U(d.h))), d.e_in),
                                  mul(U(R), U(d.h), d.e))});
  gather("moe_unregroup", b.expert_out, b.recv, route.unregroup);
  exchange("moe_combine_a2a", b.recv, b.send, route.recv_counts, route.send_counts);
  ops.push_back({.name = "moe_combine", .kind = OpKind::memory, .layer = layer,
                 .params = MoeCombineOp{b.send, io.out, d.t, d.h, share(route.combine_offsets),
                                        share(route.combine_slots), share(route.combine_weights)},
                 .bytes_mem = mul(add(mul(U(S), U(d.h)), mul(U(d.t), U(d.h))), d.e)});
  plan.moe_dropped.push_back({.layer = layer, .dropped = route.dropped, .sent_rows = S, .received_rows = R});
}

MoePlanDelta moe_plan_delta(const ModelShape& s, const ParallelLayout& l, DType dtype) {
  MoePlanDelta out;
  if (!s.moe.active()) return out;
  const std::int64_t t = s.tokens(), h = s.hidden, f_l = s.ffn / l.tp, E = s.moe.experts, E_l = E / l.ep,
                     K = s.moe.topk, B = moe_max_received_rows(s.moe, l, t);
  const u64 e = U(element_bytes(dtype, BufferRole::activation)), e_in = U(element_bytes(dtype, BufferRole::gemm_operand));
  const bool fp8 = gemm_needs_cast(dtype);
  u64 act = 0;
  for (std::int64_t n : {mul(t, E), mul(t, mul(2, K)), mul(mul(t, K), h), mul(B, h), mul(B, h), mul(B, f_l), mul(B, h)})
    act = add(act, U(n));
  out.shared_bytes = mul(act, e);
  if (fp8) out.shared_bytes = add(out.shared_bytes, mul(add(U(mul(B, h)), U(mul(B, f_l))), e_in));
  out.shared_buffers = fp8 ? 9 : 7;
  const std::int64_t w_router = mul(h, E), w_expert = mul(mul(E_l, h), f_l), w_mlp = mul(h, f_l);
  out.layer_weight_bytes = mul(add(U(w_router), mul(2, U(w_expert))), e_in);
  out.dense_mlp_weight_bytes = mul(2, U(w_mlp), e_in);
  out.layer_flops_bound = add(mul(2, U(t), U(w_router)), mul(4, U(B), mul(U(h), U(f_l))));
  out.dense_mlp_flops = mul(4, U(t), U(w_mlp));
  out.moe_layers = U(s.layers / s.moe.every);
  out.largest_filled = std::max(w_router, w_expert);
  out.largest_buffer = std::max({mul(t, E), mul(t, mul(2, K)), mul(mul(t, K), h), mul(B, h), mul(B, f_l), w_router,
                                 w_expert});
  return out;
}

MoeParams moe_params(const ModelShape& s) {
  const u64 h = U(s.hidden), f = U(s.ffn), E = U(s.moe.experts), K = U(s.moe.topk);
  const u64 attention = add(mul(4, h, h), mul(4, h)), dense = add(attention, mul(2, h, f));
  MoeParams p;
  for (std::int64_t layer = 0; layer < s.layers; ++layer) {
    if (!s.moe.is_moe_layer(layer)) {
      p.total = add(p.total, dense);
      p.active_per_token = add(p.active_per_token, dense);
      continue;
    }
    const u64 router = mul(h, E);
    p.total = add(p.total, add(add(attention, router), mul(E, mul(2, h, f))));
    p.active_per_token = add(p.active_per_token, add(add(attention, router), mul(K, mul(2, h, f))));
  }
  return p;
}

std::uint64_t moe_routing_table_bytes(const ModelShape& s, const ParallelLayout& l) {
  if (!s.moe.active()) return 0;
  const u64 t = U(s.tokens()), tK = mul(t, U(s.moe.topk)), B = U(moe_max_received_rows(s.moe, l, s.tokens()));
  const u64 N = U(l.ep), E_l = U(s.moe.experts / l.ep);
  // Per MoE layer, 8-byte entries: permute and the combine's slots and gates
  // (t·K each), regroup and unregroup (B each), the combine's offsets
  // (t + 1), the expert rows (E_l) and the two all-to-alls' counts and
  // displacements (8·N).
  const u64 entries = add(add(add(mul(3, tK), mul(2, B)), add(t, 1)), add(E_l, mul(8, N)));
  return mul(mul(U(s.layers / s.moe.every), entries), 8);
}

}  // namespace flopwall
