#include "backend/cpu_device.hpp"

#include <cblas.h>
#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <new>
#include <span>
#include <stdexcept>

#include "platform/steady_timer.hpp"
#include "core/checked_math.hpp"
#include "core/error.hpp"
#include "core/overloaded.hpp"
#include "core/units.hpp"
#include "kernels/cpu/bf16_gemm.hpp"
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

// The GEMMs (and attention's per-head products) of a storage type T:
// OpenBLAS's sgemm/dgemm for float and double, in place.
template <class T>
struct GemmPath {
  static constexpr const char* description = "";
  void reserve(const Plan&) {}
  void gemm(const GemmOp& g, const T* a, const T* b, T* c) {
    kernels::cpu::gemm<T>(false, g.m, g.n, g.k, T{1}, a, g.k, b, g.n, c, g.n);
  }
  void scores(const AttentionScoreOp& s, const T* qkv, T* scores) {
    kernels::cpu::attention_scores<T>(qkv, scores, s.batch, s.heads, s.seq, s.head_dim);
  }
  void context(const AttentionContextOp& s, const T* scores, const T* qkv, T* context) {
    kernels::cpu::attention_context<T>(scores, qkv, context, s.batch, s.heads, s.seq, s.head_dim);
  }
};

// bf16: OpenBLAS's sbgemm writes fp32, which is rounded into the bf16 output
// through one fp32 scratch sized at prepare for the plan's largest product.
template <>
struct GemmPath<BFloat16> {
  static constexpr const char* description = ", GEMM cblas_sbgemm (bf16 in, fp32 out, rounded to bf16)";
  kernels::cpu::Bf16Gemm engine;
  void reserve(const Plan& plan) {
    std::int64_t largest = 0;
    for (const Op& op : plan.ops) {
      const auto* d = std::get_if<DeviceOp>(&op.params);
      if (!d) continue;
      const char* what = "the bf16 GEMM scratch";
      if (const auto* g = std::get_if<GemmOp>(d)) largest = std::max(largest, mul_or_throw(g->m, g->n, what));
      if (const auto* s = std::get_if<AttentionScoreOp>(d)) largest = std::max(largest, mul_or_throw(s->seq, s->seq, what));
      if (const auto* c = std::get_if<AttentionContextOp>(d))
        largest = std::max(largest, mul_or_throw(c->seq, c->head_dim, what));
    }
    engine.reserve(largest);
  }
  void gemm(const GemmOp& g, const BFloat16* a, const BFloat16* b, BFloat16* c) {
    engine(false, g.m, g.n, g.k, 1.0f, a, g.k, b, g.n, c, g.n);
  }
  void scores(const AttentionScoreOp& s, const BFloat16* qkv, BFloat16* scores) {
    kernels::cpu::attention_scores(engine, qkv, scores, s.batch, s.heads, s.seq, s.head_dim);
  }
  void context(const AttentionContextOp& s, const BFloat16* scores, const BFloat16* qkv, BFloat16* context) {
    kernels::cpu::attention_context(engine, scores, qkv, context, s.batch, s.heads, s.seq, s.head_dim);
  }
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
