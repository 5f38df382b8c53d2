#include "backend/cpu_device.hpp"

#include <cblas.h>
#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <new>
#include <span>
#include <stdexcept>
#include <type_traits>

#include "platform/steady_timer.hpp"
#include "core/checked_math.hpp"
#include "core/error.hpp"
#include "core/overloaded.hpp"
#include "core/units.hpp"
#include "backend/cpu_gemm_path.hpp"
#include "kernels/cpu/bf16_gemm.hpp"
#include "kernels/cpu/backward.hpp"
#include "kernels/cpu/kernels.hpp"
#include "platform/host_info.hpp"

namespace flopwall {
namespace {

// Cache-line aligned so BLAS and the vectorised loops start on a line.
template <class T>
class HostBuffer {
 public:
  explicit HostBuffer(std::int64_t elements) : m_size(checked_cast<std::size_t>(elements).value_or(0)) {
    // Checked: a wrapped byte count would allocate a small block that the
    // fill and the kernels then overrun.
    if (elements < 0) throw std::invalid_argument("cpu device: negative buffer size");
    const std::size_t bytes =
        add_or_throw(mul_or_throw(m_size, sizeof(T), "a cpu buffer's bytes"), std::size_t{63}, "a cpu buffer's bytes") /
        64 * 64;
    m_data = static_cast<T*>(std::aligned_alloc(64, bytes == 0 ? 64 : bytes));
    if (!m_data) throw std::bad_alloc();
  }
  HostBuffer(HostBuffer&& o) noexcept : m_data(o.m_data), m_size(o.m_size) { o.m_data = nullptr; }
  HostBuffer(const HostBuffer&) = delete;
  HostBuffer& operator=(const HostBuffer&) = delete;
  HostBuffer& operator=(HostBuffer&&) = delete;
  ~HostBuffer() { std::free(m_data); }
  T* data() const noexcept { return m_data; }
  std::span<T> span() const noexcept { return {m_data, m_size}; }

 private:
  T* m_data = nullptr;
  std::size_t m_size = 0;
};

template <class T>
class CpuDevice final : public Device {
 public:
  explicit CpuDevice(int blas_threads, GemmPath<T> gemm = {})
      : m_blas_threads(blas_threads), m_host(read_host_info()), m_gemm(std::move(gemm)) {
    openblas_set_num_threads(blas_threads);
  }

  std::string description() const override {
    return fmt::format("cpu: {} ({} cores, {} NUMA nodes, {}), {} OpenBLAS thread{}{}", m_host.cpu_model,
                       m_host.cores, m_host.numa_nodes, units::bytes(static_cast<double>(m_host.memory_bytes)),
                       m_blas_threads, m_blas_threads == 1 ? "" : "s", GemmPath<T>::description);
  }

  void prepare(const Plan& plan) override {
    m_buffers.clear();
    m_buffers.reserve(plan.buffers.size());
    for (const BufferSpec& spec : plan.buffers) {
      m_buffers.emplace_back(spec.elements());
      fill_buffer<T>(spec, m_buffers.back().span());
    }
    m_gemm.reserve(plan);
    m_timer = std::make_unique<SteadyTimer>(plan.ops.size());
  }

  void execute(std::size_t, const DeviceOp& op) override {
    namespace k = kernels::cpu;
    std::visit(Overloaded{
                   [&](const GemmOp& g) { m_gemm.gemm(g, at(g.a), at(g.b), at(g.c)); },
                   [&](const AttentionScoreOp& a) { m_gemm.scores(a, at(a.qkv), at(a.scores)); },
                   [&](const CausalSoftmaxOp& s) { k::causal_softmax<T>(at(s.scores), s.matrices, s.seq); },
                   [&](const AttentionContextOp& a) { m_gemm.context(a, at(a.scores), at(a.qkv), at(a.context)); },
                   [&](const LayerNormOp& l) {
                     const T* params = at(l.params);
                     k::layernorm<T>(at(l.x), params, params + l.cols, at(l.y), l.rows, l.cols);
                   },
                   [&](const GeluOp& g) { k::gelu<T>(at(g.x), g.count); },
                   [&](const ResidualAddOp& r) { k::residual_add<T>(at(r.x), at(r.y), at(r.out), r.count); },
                   [&](const CastOp&) {
                     throw std::logic_error("fp8 casts do not exist on the cpu backend (fp32, fp64, bf16 only)");
                   },
                   [&](const TopKOp& t) { k::topk_rows<T>(at(t.logits), at(t.out), t.rows, t.experts, t.k); },
                   [&](const GatherRowsOp& g) {
                     k::gather_rows<T>(at(g.src), at(g.dst), g.index->data(), static_cast<std::int64_t>(g.index->size()),
                                       g.cols);
                   },
                   [&](const GroupedGemmOp& g) {
                     // One OpenBLAS call per local expert (an empty expert is skipped).
                     std::int64_t row = 0, group = 0;
                     for (const std::int64_t rows : *g.rows) {
                       if (rows > 0)
                         m_gemm.product(false, rows, g.n, g.k, 1.0f, at(g.a) + row * g.k, g.k,
                                        at(g.b) + group * g.k * g.n, g.n, at(g.c) + row * g.n, g.n);
                       row += rows;
                       ++group;
                     }
                   },
                   [&](const MoeCombineOp& c) {
                     k::moe_combine<T>(at(c.src), at(c.out), c.offsets->data(), c.slots->data(), c.weights->data(),
                                       c.tokens, c.cols);
                   },
                   [&](const KvWriteOp& w) {
                     k::kv_write<T>(at(w.qkv), at(w.cache), w.requests, w.tokens, w.start, w.cache_len, w.width);
                   },
                   [&](const CachedAttentionOp& a) {
                     k::cached_attention<T>(at(a.qkv), at(a.cache), at(a.context), a.requests, a.heads, a.tokens,
                                            a.start, a.cache_len, a.head_dim);
                   },
                   [&](const auto& backward) { execute_backward(backward); },
               },
               op);
  }

  void* buffer(BufferId id) override { return at(id); }

  std::vector<double> read_buffer(BufferId id) override {
    const auto s = m_buffers.at(static_cast<std::size_t>(id)).span();
    return {s.begin(), s.end()};
  }

  OpTimer& timer() override { return *m_timer; }

 private:
  T* at(BufferId id) const noexcept { return m_buffers[static_cast<std::size_t>(id)].data(); }

  // The training step's ops (--mode train): fp32 and fp64 only, the
  // options refuse others before a plan is built.
  template <class BackwardOp>
  void execute_backward(const BackwardOp& op) {
    if constexpr (std::is_same_v<T, BFloat16>)
      throw std::logic_error("the training step's kernels run fp32 and fp64 on the cpu backend, not bf16");
    else
      backward(op);
  }
  void backward(const GemmGradOp& g) {
    kernels::cpu::gemm_ex<T>(g.trans_a, g.trans_b, g.m, g.n, g.k, T{1}, at(g.a), g.trans_a ? g.m : g.k, at(g.b),
                             g.trans_b ? g.k : g.n, T{0}, at(g.c) + g.c_offset, g.n);
  }
  void backward(const CopyOp& c) { std::copy_n(at(c.src), c.count, at(c.dst)); }
  void backward(const LayerNormBackwardOp& l) {
    kernels::cpu::layernorm_backward<T>(at(l.x), at(l.params), at(l.dy), at(l.dx), at(l.dparams) + l.dparams_offset, l.rows,
                                        l.cols);
  }
  void backward(const GeluBackwardOp& g) { kernels::cpu::gelu_backward<T>(at(g.x), at(g.dy), at(g.dx), g.count); }
  void backward(const CausalSoftmaxBackwardOp& s) {
    kernels::cpu::causal_softmax_backward<T>(at(s.probs), at(s.dprobs), at(s.dscores), s.matrices, s.seq);
  }
  void backward(const AttentionScoreBackwardOp& a) {
    kernels::cpu::attention_scores_backward<T>(at(a.qkv), at(a.dscores), at(a.dqkv), a.batch, a.heads, a.seq,
                                               a.head_dim);
  }
  void backward(const AttentionContextBackwardOp& a) {
    kernels::cpu::attention_context_backward<T>(at(a.probs), at(a.qkv), at(a.dcontext), at(a.dprobs), at(a.dqkv),
                                                a.batch, a.heads, a.seq, a.head_dim);
  }

  int m_blas_threads;
  HostInfo m_host;
  GemmPath<T> m_gemm;
  std::vector<HostBuffer<T>> m_buffers;
  std::unique_ptr<SteadyTimer> m_timer;
};

}  // namespace

std::unique_ptr<Device> make_cpu_device(DType dtype, int blas_threads) {
  return make_cpu_device(dtype, blas_threads, kernels::cpu::openblas_symbols());
}

std::unique_ptr<Device> make_cpu_device(DType dtype, int blas_threads, const kernels::cpu::SymbolResolver& blas) {
  if (dtype == DType::fp32) return std::make_unique<CpuDevice<float>>(blas_threads);
  if (dtype == DType::fp64) return std::make_unique<CpuDevice<double>>(blas_threads);
  if (dtype == DType::bf16) {
    const kernels::cpu::SbgemmFn sbgemm = kernels::cpu::find_sbgemm(blas);
    if (!sbgemm)
      throw UsageError(fmt::format(
          "--dtype bf16 needs OpenBLAS's bf16 GEMM (cblas_sbgemm), which this OpenBLAS ({}) lacks; valid: fp32 or "
          "fp64 on the cpu backend, or bf16 with an OpenBLAS built with BUILD_BFLOAT16=1",
          kernels::cpu::openblas_library_path()));
    return std::make_unique<CpuDevice<BFloat16>>(blas_threads, GemmPath<BFloat16>{kernels::cpu::Bf16Gemm(sbgemm)});
  }
  throw UsageError(
      fmt::format("--dtype {} is not supported by the cpu backend; valid: fp32, fp64, bf16", dtype_name(dtype)));
}

}  // namespace flopwall
