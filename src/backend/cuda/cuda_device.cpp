#include "backend/cuda/cuda_device.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <exception>
#include <map>
#include <optional>
#include <stdexcept>

#include "platform/cuda/cuda_probe.hpp"
#include "backend/cuda/lt_gemm.hpp"
#include "backend/cuda/moe_ops.hpp"
#include "core/overloaded.hpp"
#include "kernels/cuda/cuda_kernels.hpp"

namespace flopwall::cuda {
namespace {

namespace k = kernels::cuda;
using k::Element;

constexpr std::size_t k_workspace_bytes = 32u << 20;  // what cuBLASLt's Hopper kernels ask for at most

// The cuda backend computes in fp32, tf32, fp16, bf16 and fp8 (core/dtype.hpp
// maps each to its buffers' element types).
Element activation_element(DType d) {
  if (d == DType::fp64)
    throw UsageError("--dtype fp64 is not supported by the cuda backend; valid: fp32, tf32, fp16, bf16, fp8");
  return element_type(d, BufferRole::activation);
}

int bind_device(int device) {
  FLOPWALL_CUDA_CHECK(cudaSetDevice(device));
  return device;
}

class CudaDeviceImpl final : public CudaDevice {
 public:
  CudaDeviceImpl(int device, DType dtype, WaitPolicy policy)
      : m_device(bind_device(device)), m_dtype(dtype), m_act(activation_element(dtype)), m_policy(std::move(policy)) {
    m_stream = make_stream();
    m_description = describe_device(device);
  }

  ~CudaDeviceImpl() override {
    if (std::uncaught_exceptions() > 0) {
      // A failure (a timeout, a dead peer) is unwinding towards MPI_Abort; a
      // kernel may be stuck, so wait for nothing and let process exit reclaim.
      for (DeviceBuffer& b : m_buffers) b.abandon();
      m_workspace.abandon();
      return;
    }
    // Nothing may be freed while the stream still runs kernels that use it.
    if (m_stream.get()) FLOPWALL_CUDA_CHECK_NOTHROW(cudaStreamSynchronize(m_stream.get()));
  }

  std::string description() const override { return m_description; }
  cudaStream_t compute_stream() const noexcept override { return m_stream.get(); }
  void watch_transport_errors(std::function<void()> check) override {
    m_policy.check_async_errors = std::move(check);
    if (m_timer) m_timer = std::make_unique<CudaTimer>(m_stream.get(), m_plan->ops.size(), m_policy);
  }

  void prepare(const Plan& plan) override {
    m_plan = &plan;
    m_buffers.clear();
    m_elements.clear();
    DeviceBuffer staging(static_cast<std::size_t>(largest_staged_elements(plan)) * sizeof(float));
    std::vector<float> host;
    const std::vector<std::int64_t> moe_blocks = grouped_weight_block_rows(plan);
    for (const BufferSpec& spec : plan.buffers) {
      const Element e = element_of(m_dtype, spec.role);
      m_elements.push_back(e);
      m_buffers.emplace_back(static_cast<std::size_t>(spec.elements() * element_bytes(m_dtype, spec.role)));
      // Activations and scratch (the score matrix, gigabytes at long
      // sequences) need no host values: zero bytes are zero in every type.
      if (spec.fill == BufferFill::zero) {
        FLOPWALL_CUDA_CHECK(cudaMemsetAsync(m_buffers.back().get(), 0, m_buffers.back().bytes(), m_stream.get()));
        continue;
      }
      host.assign(static_cast<std::size_t>(spec.elements()), 0.0f);
      fill_buffer<float>(spec, host);
      const std::int64_t moe_block = moe_blocks[static_cast<std::size_t>(&spec - plan.buffers.data())];
      if (spec.fill == BufferFill::weight)
        host = moe_block > 0 ? transposed_blocks(host, moe_block, spec.rows, spec.cols)
                             : transposed(host, spec.rows, spec.cols);
      FLOPWALL_CUDA_CHECK(cudaMemcpyAsync(staging.get(), host.data(), host.size() * sizeof(float),
                                          cudaMemcpyHostToDevice, m_stream.get()));
      k::convert(Element::float32, staging.get(), e, m_buffers.back().get(), spec.elements(), m_stream.get());
      FLOPWALL_CUDA_CHECK(cudaStreamSynchronize(m_stream.get()));  // `host` is reused next round
    }
    FLOPWALL_CUDA_CHECK(cudaStreamSynchronize(m_stream.get()));  // the memsets
    m_workspace = DeviceBuffer(k_workspace_bytes);
    m_gemms.clear();
    m_gemms.resize(plan.ops.size());
    m_grad_gemms.clear();
    m_weight_copies.clear();
    m_grad_gemms.resize(plan.ops.size());
    std::int64_t layernorm_rows = 0;
    for (std::size_t i = 0; i < plan.ops.size(); ++i)
      if (const auto* device_op = std::get_if<DeviceOp>(&plan.ops[i].params)) {
        if (const auto* g = std::get_if<GemmOp>(device_op))
          m_gemms[i].emplace(m_lt, m_dtype, g->m, g->n, g->k, m_workspace.get(), k_workspace_bytes);
        if (const auto* g = std::get_if<GemmGradOp>(device_op)) {
          // Weights are stored transposed here ([n,k] for the plan's [k,n]): an
          // operand that is a weight is read with its transpose flag flipped.
          const auto is_weight = [&](BufferId id) { return plan.buffers.at(static_cast<std::size_t>(id)).fill == BufferFill::weight; };
          for (const BufferId id : {g->a, g->b})
            if (is_weight(id) && m_dtype == DType::fp8) copy_weight_to_activation_type(id);
          // fp8: the backward GEMMs run in the activation type (bf16) on those copies.
          m_grad_gemms[i].emplace(m_lt, m_dtype == DType::fp8 ? DType::bf16 : m_dtype, g->m, g->n, g->k,
                                  g->trans_a != is_weight(g->a), g->trans_b != is_weight(g->b), m_workspace.get(),
                                  k_workspace_bytes);
        }
        if (const auto* l = std::get_if<LayerNormBackwardOp>(device_op)) layernorm_rows = std::max(layernorm_rows, l->rows);
      }
    m_layernorm_stats = DeviceBuffer(static_cast<std::size_t>(2 * std::max<std::int64_t>(layernorm_rows, 1)) * sizeof(float));
    m_moe.prepare(plan, m_lt, m_dtype, m_workspace.get(), k_workspace_bytes, m_stream.get());
    m_timer = std::make_unique<CudaTimer>(m_stream.get(), plan.ops.size(), m_policy);
  }

  void execute(std::size_t op_index, const DeviceOp& op) override {
    cudaStream_t s = m_stream.get();
    std::visit(Overloaded{
                   [&](const GemmOp& g) { gemm_for(op_index).run(at(g.a), at(g.b), at(g.c), s); },
                   [&](const AttentionScoreOp& a) {
                     k::attention_scores(m_act, at(a.qkv), at(a.scores), a.batch, a.heads, a.seq, a.head_dim, s);
                   },
                   [&](const CausalSoftmaxOp& c) { k::causal_softmax(m_act, at(c.scores), c.matrices, c.seq, s); },
                   [&](const AttentionContextOp& a) {
                     k::attention_context(m_act, at(a.scores), at(a.qkv), at(a.context), a.batch, a.heads, a.seq,
                                          a.head_dim, s);
                   },
                   [&](const LayerNormOp& l) { k::layernorm(m_act, at(l.x), at(l.params), at(l.y), l.rows, l.cols, s); },
                   [&](const GeluOp& g) { k::gelu(m_act, at(g.x), g.count, s); },
                   [&](const ResidualAddOp& r) { k::residual_add(m_act, at(r.x), at(r.y), at(r.out), r.count, s); },
                   [&](const CastOp& c) { k::convert(m_act, at(c.src), Element::fp8_e4m3, at(c.dst), c.count, s); },
                   [&](const TopKOp&) { moe(op_index, op); },
                   [&](const GatherRowsOp&) { moe(op_index, op); },
                   [&](const GroupedGemmOp&) { moe(op_index, op); },
                   [&](const MoeCombineOp&) { moe(op_index, op); },
                   [&](const KvWriteOp& w) {
                     k::kv_write(m_act, at(w.qkv), at(w.cache), w.requests, w.tokens, w.start, w.cache_len, w.width, s);
                   },
                   [&](const CachedAttentionOp& a) {
                     k::cached_attention(m_act, at(a.qkv), at(a.cache), at(a.context), a.requests, a.heads, a.tokens,
                                         a.start, a.cache_len, a.head_dim, s);
                   },
                   [&](const GemmGradOp& g) {
                     if (op_index >= m_grad_gemms.size() || !m_grad_gemms[op_index])
                       throw std::logic_error("GEMM op is not from the prepared plan");
                     m_grad_gemms[op_index]->run(grad_operand(g.a), grad_operand(g.b), offset(g.c, g.c_offset), s);
                   },
                   [&](const CopyOp& c) {
                     FLOPWALL_CUDA_CHECK(cudaMemcpyAsync(at(c.dst), at(c.src), static_cast<std::size_t>(c.count) * element_type_size(m_act),
                                                         cudaMemcpyDeviceToDevice, s));
                   },
                   [&](const LayerNormBackwardOp& l) {
                     k::layernorm_backward(m_act, at(l.x), at(l.params), at(l.dy), at(l.dx),
                                           offset(l.dparams, l.dparams_offset),
                                           static_cast<float*>(m_layernorm_stats.get()), l.rows, l.cols, s);
                   },
                   [&](const GeluBackwardOp& g) { k::gelu_backward(m_act, at(g.x), at(g.dy), at(g.dx), g.count, s); },
                   [&](const CausalSoftmaxBackwardOp& c) {
                     k::causal_softmax_backward(m_act, at(c.probs), at(c.dprobs), at(c.dscores), c.matrices, c.seq, s);
                   },
                   [&](const AttentionScoreBackwardOp& a) {
                     k::attention_scores_backward(m_act, at(a.qkv), at(a.dscores), at(a.dqkv), a.batch, a.heads, a.seq,
                                                  a.head_dim, s);
                   },
                   [&](const AttentionContextBackwardOp& a) {
                     k::attention_context_backward(m_act, at(a.probs), at(a.qkv), at(a.dcontext), at(a.dprobs),
                                                   at(a.dqkv), a.batch, a.heads, a.seq, a.head_dim, s);
                   },
               },
               op);
  }

  void* buffer(BufferId id) override { return at(id); }

  // In the device's layout (weights are stored transposed), as doubles.
  std::vector<double> read_buffer(BufferId id) override {
    const auto i = static_cast<std::size_t>(id);
    const std::int64_t n = m_plan->buffers.at(i).elements();
    DeviceBuffer staging(static_cast<std::size_t>(n) * sizeof(float));
    k::convert(m_elements[i], m_buffers[i].get(), Element::float32, staging.get(), n, m_stream.get());
    std::vector<float> host(static_cast<std::size_t>(n));
    FLOPWALL_CUDA_CHECK(cudaMemcpyAsync(host.data(), staging.get(), host.size() * sizeof(float),
                                        cudaMemcpyDeviceToHost, m_stream.get()));
    FLOPWALL_CUDA_CHECK(cudaStreamSynchronize(m_stream.get()));
    return {host.begin(), host.end()};
  }

  OpTimer& timer() override { return *m_timer; }

 private:
  static std::vector<float> transposed(const std::vector<float>& m, std::int64_t rows, std::int64_t cols) {
    std::vector<float> t(m.size());
    for (std::int64_t r = 0; r < rows; ++r)
      for (std::int64_t c = 0; c < cols; ++c)
        t[static_cast<std::size_t>(c * rows + r)] = m[static_cast<std::size_t>(r * cols + c)];
    return t;
  }

  void* at(BufferId id) const noexcept { return m_buffers[static_cast<std::size_t>(id)].get(); }
  // A backward GEMM's operand: an fp8 weight's copy in the activation type, else the buffer itself.
  void* grad_operand(BufferId id) const noexcept {
    const auto copy = m_weight_copies.find(id);
    return copy != m_weight_copies.end() ? copy->second.get() : at(id);
  }
  // fp8 training (once per weight, in prepare): the stored e4m3 weight, in
  // its stored [out, in] layout, converted to the activation type.
  void copy_weight_to_activation_type(BufferId id) {
    if (m_weight_copies.count(id)) return;
    const std::int64_t n = m_plan->buffers.at(static_cast<std::size_t>(id)).elements();
    DeviceBuffer copy(static_cast<std::size_t>(n) * element_type_size(m_act));
    k::convert(m_elements[static_cast<std::size_t>(id)], at(id), m_act, copy.get(), n, m_stream.get());
    m_weight_copies.emplace(id, std::move(copy));
  }
  // Element `first` of an activation buffer (a gradient inside its bucket).
  void* offset(BufferId id, std::int64_t first) const noexcept {
    return static_cast<char*>(at(id)) + first * element_type_size(m_elements[static_cast<std::size_t>(id)]);
  }

  void moe(std::size_t op_index, const DeviceOp& op) const {
    m_moe.execute(op_index, op, [this](BufferId id) { return at(id); }, m_act, m_stream.get());
  }

  const LtGemm& gemm_for(std::size_t op_index) const {
    if (op_index >= m_gemms.size() || !m_gemms[op_index]) throw std::logic_error("GEMM op is not from the prepared plan");
    return *m_gemms[op_index];
  }

  int m_device;  // first: every member below is created on this device
  DType m_dtype;
  Element m_act;
  WaitPolicy m_policy;
  std::string m_description;
  Stream m_stream;
  LtHandle m_lt;
  const Plan* m_plan = nullptr;
  std::vector<DeviceBuffer> m_buffers;
  std::vector<Element> m_elements;
  DeviceBuffer m_workspace;
  std::vector<std::optional<LtGemm>> m_gemms;
  std::vector<std::optional<LtGemmEx>> m_grad_gemms;  // the training step's dgrad and wgrad GEMMs
  DeviceBuffer m_layernorm_stats;  // each row's mean and inverse std, from the rows kernel to the columns kernel
  std::map<BufferId, DeviceBuffer> m_weight_copies;  // fp8 training: the weights the backward GEMMs read
  MoeOps m_moe;  // declared after m_workspace and m_lt, which its GEMMs use
  std::unique_ptr<CudaTimer> m_timer;
};

}  // namespace

Element element_of(DType d, BufferRole role) {
  activation_element(d);  // refuses fp64
  return element_type(d, role);
}

std::int64_t largest_staged_elements(const Plan& plan) {
  std::int64_t largest = 0;
  for (const BufferSpec& s : plan.buffers)
    if (s.fill != BufferFill::zero) largest = std::max(largest, s.elements());
  return largest;
}

std::unique_ptr<CudaDevice> make_cuda_device(int device, DType dtype, WaitPolicy policy) {
  return std::make_unique<CudaDeviceImpl>(device, dtype, std::move(policy));
}

}  // namespace flopwall::cuda
