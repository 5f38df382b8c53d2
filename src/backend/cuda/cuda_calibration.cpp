#include "backend/cuda/cuda_calibration.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>
#include <vector>

#include "backend/cuda/lt_gemm.hpp"
#include "core/checked_math.hpp"
#include "core/error.hpp"
#include "core/statistics.hpp"
#include "kernels/cuda/triad.hpp"
#include "platform/cuda/cuda_check.hpp"
#include "platform/cuda/cuda_resources.hpp"

namespace flopwall::cuda {
namespace {

constexpr std::int64_t k_probe_n = 1024;
constexpr std::int64_t k_min_n = 256;
constexpr std::int64_t k_max_n = 16384;                  // fp32: three 1 GiB matrices
constexpr std::size_t k_workspace_bytes = 32ull << 20;   // as the run's GEMMs
// HBM streams at TB/s: a triad over 4 × L2 (tens of MiB) lasts tens of
// microseconds, close to the launch time. The arrays span at least this.
constexpr std::int64_t k_min_triad_cache_bytes = 256ll << 20;
// Every buffer byte 0x3c: nonzero and finite in every element type (fp32
// 0.0115, fp16 1.06, bf16 0.0115, fp8 e4m3 1.5). All-zero operands would
// draw less power and flatter the tensor cores.
constexpr int k_fill_byte = 0x3c;

class EventTimer {
 public:
  EventTimer() : m_stream(make_stream()), m_start(make_event(true)), m_stop(make_event(true)) {}
  cudaStream_t stream() const noexcept { return m_stream.get(); }
  template <class F>
  double seconds(F&& enqueue) {
    FLOPWALL_CUDA_CHECK(cudaEventRecord(m_start.get(), m_stream.get()));
    enqueue();
    FLOPWALL_CUDA_CHECK(cudaEventRecord(m_stop.get(), m_stream.get()));
    FLOPWALL_CUDA_CHECK(cudaEventSynchronize(m_stop.get()));
    float ms = 0;
    FLOPWALL_CUDA_CHECK(cudaEventElapsedTime(&ms, m_start.get(), m_stop.get()));
    return static_cast<double>(ms) / 1e3;
  }

 private:
  Stream m_stream;
  Event m_start, m_stop;
};

DeviceBuffer filled(std::size_t bytes) {
  DeviceBuffer b(bytes);
  FLOPWALL_CUDA_CHECK(cudaMemset(b.get(), k_fill_byte, bytes));
  return b;
}

struct SquareGemm {
  SquareGemm(const LtHandle& handle, DType t, std::int64_t n, const DeviceBuffer& workspace)
      : a(filled(bytes(n, t, BufferRole::gemm_operand))),
        w(filled(bytes(n, t, BufferRole::gemm_operand))),
        c(bytes(n, t, BufferRole::activation)),
        gemm(handle, t, n, n, n, workspace.get(), workspace.bytes()) {}
  static std::size_t bytes(std::int64_t n, DType t, BufferRole role) {
    return mul_or_throw<std::size_t>(mul_or_throw<std::size_t>(n, n, "a calibration GEMM's elements"),
                                     element_bytes(t, role), "a calibration GEMM's bytes");
  }
  void run(cudaStream_t s) const { gemm.run(a.get(), w.get(), c.get(), s); }
  DeviceBuffer a, w, c;
  LtGemm gemm;
};

double gemm_rate(const LtHandle& h, const DeviceBuffer& ws, EventTimer& timer, DType t, std::int64_t n, int reps) {
  const SquareGemm g(h, t, n, ws);
  timer.seconds([&] { g.run(timer.stream()); });  // warm-up: the algorithm's first launch loads its kernels
  std::vector<double> times;
  for (int i = 0; i < reps; ++i) times.push_back(timer.seconds([&] { g.run(timer.stream()); }));
  return calibration::gemm_flops(n) / stats::percentile(times, 0.5);
}

std::int64_t l2_bytes() {
  int device = 0, bytes = 0;
  FLOPWALL_CUDA_CHECK(cudaGetDevice(&device));
  FLOPWALL_CUDA_CHECK(cudaDeviceGetAttribute(&bytes, cudaDevAttrL2CacheSize, device));
  return bytes;
}

void measure_triad(EventTimer& timer, double budget_s, std::size_t free_bytes, DeviceMeasurement& m) {
  std::int64_t count = calibration::triad_elements(std::max(l2_bytes(), k_min_triad_cache_bytes), sizeof(float));
  // At most a quarter of the free memory (a run's buffers are already there).
  const auto most = static_cast<std::int64_t>(free_bytes / 4 / 3 / sizeof(float)) / 64 * 64;
  count = std::max<std::int64_t>(64, std::min(count, most));
  const std::size_t bytes = static_cast<std::size_t>(count) * sizeof(float);
  DeviceBuffer a(bytes), b = filled(bytes), c = filled(bytes);
  const float s = 3.0f;
  const auto pass = [&] {
    kernels::cuda::triad(static_cast<float*>(a.get()), static_cast<const float*>(b.get()),
                         static_cast<const float*>(c.get()), s, count, timer.stream());
  };
  const int reps = calibration::triad_reps(timer.seconds(pass), budget_s);
  std::vector<double> times;
  for (int i = 0; i < reps; ++i) times.push_back(timer.seconds(pass));
  // The kernel's result against the CPU formula, at both ends of the arrays.
  float in = 0, first = 0, last = 0;
  FLOPWALL_CUDA_CHECK(cudaMemcpy(&in, b.get(), sizeof in, cudaMemcpyDeviceToHost));
  FLOPWALL_CUDA_CHECK(cudaMemcpy(&first, a.get(), sizeof first, cudaMemcpyDeviceToHost));
  FLOPWALL_CUDA_CHECK(cudaMemcpy(&last, static_cast<float*>(a.get()) + count - 1, sizeof last, cudaMemcpyDeviceToHost));
  if (first != in + s * in || last != first) throw std::runtime_error("calibration: the triad kernel computed a wrong result");
  m.triad_bytes = mul_or_throw<std::int64_t>(3 * count, sizeof(float), "the triad's bytes");
  m.mem_bw_bytes_per_s = static_cast<double>(m.triad_bytes) / stats::percentile(times, 0.5);

  // The smallest op: one launch of the triad on a single pack.
  std::vector<double> launch;
  for (int i = 0; i < calibration::k_overhead_reps; ++i)
    launch.push_back(timer.seconds([&] {
      kernels::cuda::triad(static_cast<float*>(a.get()), static_cast<const float*>(b.get()),
                           static_cast<const float*>(c.get()), s, 4, timer.stream());
    }));
  m.op_overhead_s = stats::percentile(launch, 0.5);
}

}  // namespace

DeviceMeasurement measure_cuda_device(const CalibrationRequest& request) {
  CalibrationRequest r = request;
  const bool dtypes_given = !r.dtypes.empty();
  if (!dtypes_given) r.dtypes = {DType::fp32, DType::tf32, DType::fp16, DType::bf16, DType::fp8};
  for (DType t : r.dtypes)
    if (t == DType::fp64)
      throw UsageError("--dtype fp64 is not supported by the cuda backend; valid: fp32, tf32, fp16, bf16, fp8");
  std::size_t free_bytes = 0, total_bytes = 0;
  FLOPWALL_CUDA_CHECK(cudaMemGetInfo(&free_bytes, &total_bytes));
  std::int64_t max_n = r.max_gemm_n > 0 ? std::min(r.max_gemm_n, k_max_n) : k_max_n;
  // Three fp32 matrices within a quarter of the free memory.
  while (max_n > k_min_n && static_cast<std::size_t>(3 * max_n * max_n * 4) > free_bytes / 4) max_n /= 2;
  const LtHandle handle;
  const DeviceBuffer workspace(k_workspace_bytes);
  EventTimer timer;

  // Which dtypes this device runs (fp8 needs compute capability 8.9), and
  // the slowest one's rate at a probe size, which sizes the GEMMs.
  std::vector<DType> runnable;
  double slowest = 0;
  const std::int64_t probe_n = std::min(k_probe_n, max_n);
  for (DType t : r.dtypes) {
    double rate = 0;
    try {
      const SquareGemm g(handle, t, probe_n, workspace);
      timer.seconds([&] { g.run(timer.stream()); });
      rate = calibration::gemm_flops(probe_n) / timer.seconds([&] { g.run(timer.stream()); });
    } catch (const std::runtime_error& e) {
      if (dtypes_given)
        throw UsageError(fmt::format("--dtype {} cannot run on this GPU: {}", dtype_name(t), e.what()));
      continue;  // absent from the calibration, never a 0
    }
    runnable.push_back(t);
    slowest = slowest == 0 ? rate : std::min(slowest, rate);
  }
  if (runnable.empty()) throw std::runtime_error("calibration: no GEMM dtype runs on this GPU");
  const double per_dtype_s = r.seconds * calibration::k_gemm_share / static_cast<double>(runnable.size());
  const calibration::GemmSizing sizing = calibration::size_gemm(slowest, per_dtype_s, std::min(k_min_n, max_n), max_n);
  DeviceMeasurement m{.gemm_n = sizing.n};
  for (DType t : runnable) m.gemm_flops.emplace_back(t, gemm_rate(handle, workspace, timer, t, sizing.n, sizing.reps));
  measure_triad(timer, r.seconds * calibration::k_triad_share, free_bytes, m);
  return m;
}

}  // namespace flopwall::cuda
