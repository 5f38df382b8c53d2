#include "backend/cuda/moe_ops.hpp"

#include <stdexcept>

#include "core/overloaded.hpp"

namespace flopwall::cuda {
namespace {

namespace k = kernels::cuda;

template <class T>
DeviceBuffer upload(const std::vector<T>& host, cudaStream_t stream) {
  DeviceBuffer b(host.size() * sizeof(T));
  if (!host.empty())
    FLOPWALL_CUDA_CHECK(cudaMemcpyAsync(b.get(), host.data(), host.size() * sizeof(T), cudaMemcpyHostToDevice, stream));
  return b;
}

const std::int64_t* as_index(const DeviceBuffer& b) { return static_cast<const std::int64_t*>(b.get()); }

}  // namespace

std::vector<std::int64_t> grouped_weight_block_rows(const Plan& plan) {
  std::vector<std::int64_t> rows(plan.buffers.size(), 0);
  for (const Op& op : plan.ops)
    if (const auto* d = std::get_if<DeviceOp>(&op.params))
      if (const auto* g = std::get_if<GroupedGemmOp>(d)) rows[static_cast<std::size_t>(g->b)] = g->k;
  return rows;
}

std::vector<float> transposed_blocks(const std::vector<float>& m, std::int64_t block_rows, std::int64_t rows,
                                     std::int64_t cols) {
  std::vector<float> t(m.size());
  for (std::int64_t r = 0; r < rows; ++r) {
    const std::int64_t g = r / block_rows, i = r % block_rows;
    for (std::int64_t c = 0; c < cols; ++c)
      t[static_cast<std::size_t>(g * block_rows * cols + c * block_rows + i)] = m[static_cast<std::size_t>(r * cols + c)];
  }
  return t;
}

void MoeOps::prepare(const Plan& plan, const LtHandle& lt, DType dtype, void* workspace, std::size_t workspace_bytes,
                     cudaStream_t stream) {
  m_dtype = dtype;
  m_ops.clear();
  m_ops.resize(plan.ops.size());
  for (std::size_t i = 0; i < plan.ops.size(); ++i) {
    const auto* d = std::get_if<DeviceOp>(&plan.ops[i].params);
    if (!d) continue;
    std::visit(Overloaded{
                   [&](const TopKOp&) { m_ops[i].emplace(); },
                   [&](const GatherRowsOp& g) { m_ops[i].emplace().index = upload(*g.index, stream); },
                   [&](const MoeCombineOp& c) {
                     Tables& t = m_ops[i].emplace();
                     t.offsets = upload(*c.offsets, stream);
                     t.slots = upload(*c.slots, stream);
                     // The kernel sums in fp32: the gates in fp32 too.
                     t.weights = upload(std::vector<float>(c.weights->begin(), c.weights->end()), stream);
                   },
                   [&](const GroupedGemmOp& g) {
                     Tables& t = m_ops[i].emplace();
                     t.rows = *g.rows;
                     for (std::int64_t rows : t.rows)
                       if (rows > 0) t.gemms.emplace_back(lt, dtype, rows, g.n, g.k, workspace, workspace_bytes);
                   },
                   [](const auto&) {},
               },
               *d);
  }
  FLOPWALL_CUDA_CHECK(cudaStreamSynchronize(stream));  // the host tables may go
}

void MoeOps::execute(std::size_t op_index, const DeviceOp& op, const std::function<void*(BufferId)>& at,
                     k::Element act, cudaStream_t s) const {
  if (op_index >= m_ops.size() || !m_ops[op_index]) throw std::logic_error("MoE op is not from the prepared plan");
  const Tables& t = *m_ops[op_index];
  std::visit(Overloaded{
                 [&](const TopKOp& o) { k::topk_rows(act, at(o.logits), at(o.out), o.rows, o.experts, o.k, s); },
                 [&](const GatherRowsOp& g) {
                   k::gather_rows(act, at(g.src), at(g.dst), as_index(t.index),
                                  static_cast<std::int64_t>(g.index->size()), g.cols, s);
                 },
                 [&](const MoeCombineOp& c) {
                   k::moe_combine(act, at(c.src), at(c.out), as_index(t.offsets), as_index(t.slots),
                                  static_cast<const float*>(t.weights.get()), c.tokens, c.cols, s);
                 },
                 [&](const GroupedGemmOp& g) {
                   // Expert e: rows [row, row + rows_e) of A and C, weight block e.
                   const auto e_in = static_cast<std::int64_t>(element_bytes(m_dtype, BufferRole::gemm_operand));
                   const auto e_out = static_cast<std::int64_t>(element_bytes(m_dtype, BufferRole::activation));
                   const auto* a = static_cast<const std::byte*>(at(g.a));
                   const auto* b = static_cast<const std::byte*>(at(g.b));
                   auto* c = static_cast<std::byte*>(at(g.c));
                   std::int64_t row = 0;
                   std::size_t next = 0;
                   for (std::size_t e = 0; e < t.rows.size(); ++e) {
                     const std::int64_t rows = t.rows[e];
                     if (rows > 0)
                       t.gemms[next++].run(a + row * g.k * e_in, b + static_cast<std::int64_t>(e) * g.k * g.n * e_in,
                                           c + row * g.n * e_out, s);
                     row += rows;
                   }
                 },
                 [](const auto&) { throw std::logic_error("not an MoE op"); },
             },
             op);
}

}  // namespace flopwall::cuda
