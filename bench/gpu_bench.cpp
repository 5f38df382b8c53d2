// GPU figures for tests/gpu/device-check.sh, printed as one JSON object:
//  - GEMM TFLOP/s through flopwall's cuBLASLt path at 8192-class shapes, per dtype
//  - achieved bandwidth of the bandwidth-bound kernels, next to a device-to-
//    device copy (the measured HBM bandwidth) and the H200's 4.8 TB/s
//  - what recording CUDA events around every op adds per op, on the GPU
//    timeline and on the host
//
// Timing method (tests/gpu/torch_matmul.py uses the same one, so the GEMM
// figures compare like with like): warm up until at least 0.2 s of GPU time
// has run (the first call, which may include lazy loading, does not count),
// then 5 back-to-back trials of equal batches, each between two CUDA events
// and at least 0.1 s long; the figure is the median trial's per-call time.
//
// Operands hold the same pseudo-random pattern torch_matmul.py builds
// (pattern() below), uploaded once and converted on the device.
#include <cuda_runtime_api.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "core/statistics.hpp"
#include "backend/cuda/cuda_device.hpp"
#include "platform/cuda/cuda_probe.hpp"
#include "platform/cuda/cuda_resources.hpp"
#include "backend/cuda/lt_gemm.hpp"
#include "bench/gpu_gate.hpp"
#include "kernels/cuda/cuda_kernels.hpp"

namespace {

using namespace flopwall;
using nlohmann::json;
namespace k = kernels::cuda;

constexpr double k_warmup_s = 0.2;    // GPU time of warm-up, at least
constexpr int k_trials = 5;           // timed trials; the median is reported
constexpr double k_trial_s = 0.1;     // GPU time of one trial, at least
constexpr double k_h200_hbm_bytes_per_s = 4.8e12;

double median(const std::vector<double>& v) { return stats::percentile(v, 0.5); }

double elapsed_s(const cuda::Event& a, const cuda::Event& b) {
  float ms = 0;
  FLOPWALL_CUDA_CHECK(cudaEventElapsedTime(&ms, a.get(), b.get()));
  return static_cast<double>(ms) / 1e3;
}

struct Timing {
  double per_call_s = 0;               // median trial
  std::vector<double> trials_s;        // per call, each trial
  std::int64_t calls_per_trial = 0;
  double warmup_gpu_s = 0;
};

// Seconds per call of `f` on `stream`, by the method in the header comment.
Timing time_calls(cudaStream_t stream, const std::function<void()>& f) {
  cuda::Event a = cuda::make_event(true), b = cuda::make_event(true);
  auto chunk_s = [&](std::int64_t calls) {
    FLOPWALL_CUDA_CHECK(cudaEventRecord(a.get(), stream));
    for (std::int64_t i = 0; i < calls; ++i) f();
    FLOPWALL_CUDA_CHECK(cudaEventRecord(b.get(), stream));
    FLOPWALL_CUDA_CHECK(cudaEventSynchronize(b.get()));
    return elapsed_s(a, b);
  };
  Timing out;
  double per_call = chunk_s(1);  // first call: lazy loading, heuristics caches; not counted
  std::int64_t chunk = 1;
  while (out.warmup_gpu_s < k_warmup_s) {
    // Chunks of about 50 ms, so the estimate comes from a warm, steady GPU.
    chunk = std::clamp<std::int64_t>(static_cast<std::int64_t>(std::ceil(0.05 / std::max(per_call, 1e-7))), 1,
                                     std::max<std::int64_t>(1, 2 * chunk));
    const double t = chunk_s(chunk);
    out.warmup_gpu_s += t;
    per_call = t / static_cast<double>(chunk);
  }
  out.calls_per_trial =
      std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(k_trial_s / std::max(per_call, 1e-7))));
  // All trials back to back, one sync at the end: the GPU never idles between them.
  std::vector<cuda::Event> marks;
  for (int t = 0; t <= k_trials; ++t) marks.push_back(cuda::make_event(true));
  FLOPWALL_CUDA_CHECK(cudaEventRecord(marks[0].get(), stream));
  for (int t = 0; t < k_trials; ++t) {
    for (std::int64_t i = 0; i < out.calls_per_trial; ++i) f();
    FLOPWALL_CUDA_CHECK(cudaEventRecord(marks[t + 1].get(), stream));
  }
  FLOPWALL_CUDA_CHECK(cudaEventSynchronize(marks[k_trials].get()));
  for (int t = 0; t < k_trials; ++t)
    out.trials_s.push_back(elapsed_s(marks[t], marks[t + 1]) / static_cast<double>(out.calls_per_trial));
  out.per_call_s = median(out.trials_s);
  return out;
}

// Value i of the operand pattern, the same as torch_matmul.py's pattern():
// a Knuth multiplicative hash of i, folded to 1000 levels in [-0.5, 0.5).
// Pseudo-random, so no hardware shortcut for zeros or repeats can flatter a
// figure, and identical on both sides of the flopwall/torch comparison.
float pattern(std::uint64_t i) {
  const std::uint64_t h = ((i * 2654435761ull) & 0xffffffffull) >> 8;
  return static_cast<float>(h % 1000) / 1000.0f - 0.5f;
}

// Offset of the weight operand's pattern, so A and W differ (also in torch_matmul.py).
constexpr std::int64_t k_weight_offset = 1 << 20;

// The fp32 pattern, elements 0..count-1, on the device; every operand is a
// conversion of a slice of it.
class Pattern {
 public:
  Pattern(std::int64_t count, cudaStream_t s) : m_count(count), m_buffer(static_cast<std::size_t>(count) * sizeof(float)) {
    std::vector<float> host(static_cast<std::size_t>(count));
    for (std::size_t i = 0; i < host.size(); ++i) host[i] = pattern(i);
    // On the stream the kernels use, then synchronized: a pageable cudaMemcpy
    // may return before the data reaches the device, and the non-blocking
    // stream would not wait for it.
    FLOPWALL_CUDA_CHECK(cudaMemcpyAsync(m_buffer.get(), host.data(), host.size() * sizeof(float),
                                        cudaMemcpyHostToDevice, s));
    FLOPWALL_CUDA_CHECK(cudaStreamSynchronize(s));
  }

  // Elements offset..offset+count-1 of the pattern, converted to `e` into `out`.
  void fill(k::Element e, void* out, std::int64_t count, std::int64_t offset, cudaStream_t s) const {
    if (offset + count > m_count)
      throw std::logic_error(fmt::format("pattern of {} elements, {} asked for", m_count, offset + count));
    k::convert(k::Element::float32, static_cast<const float*>(m_buffer.get()) + offset, e, out, count, s);
    FLOPWALL_CUDA_CHECK(cudaStreamSynchronize(s));
  }

  cuda::DeviceBuffer filled(k::Element e, std::int64_t count, std::int64_t bytes_per_element, cudaStream_t s,
                            std::int64_t offset = 0) const {
    cuda::DeviceBuffer out(static_cast<std::size_t>(count * bytes_per_element));
    fill(e, out.get(), count, offset, s);
    return out;
  }

 private:
  std::int64_t m_count;
  cuda::DeviceBuffer m_buffer;
};

struct GemmShape {
  const char* what;
  std::int64_t m, n, k;
};

const std::vector<GemmShape> k_shapes{{"square 8192", 8192, 8192, 8192},
                                      {"llama2-7b qkv_proj, 16K tokens", 16384, 12288, 4096},
                                      {"llama2-7b mlp_down, 16K tokens", 16384, 4096, 11008}};

json gemm_figures(const Pattern& p, cudaStream_t s) {
  const std::vector<DType> dtypes{DType::fp32, DType::tf32, DType::fp16, DType::bf16, DType::fp8};
  cuda::LtHandle lt;
  cuda::DeviceBuffer workspace(32u << 20);
  json out = json::array();
  for (const GemmShape& g : k_shapes)
    for (DType d : dtypes) {
      // GEMM inputs in the operand type, the output in the activation type (bf16 for fp8).
      const k::Element in = cuda::element_of(d, BufferRole::gemm_operand);
      const std::int64_t in_b = element_bytes(d, BufferRole::gemm_operand), out_b = element_bytes(d, BufferRole::activation);
      // C = A·Wᵀ with A [m,k] and the weight stored [n,k], as flopwall runs it;
      // torch_matmul.py computes a @ w.t() on the same values.
      auto a = p.filled(in, g.m * g.k, in_b, s);
      auto w = p.filled(in, g.n * g.k, in_b, s, k_weight_offset);
      cuda::DeviceBuffer c(static_cast<std::size_t>(g.m * g.n * out_b));
      cuda::LtGemm gemm(lt, d, g.m, g.n, g.k, workspace.get(), workspace.bytes());
      const Timing t = time_calls(s, [&] { gemm.run(a.get(), w.get(), c.get(), s); });
      const double flops = 2.0 * static_cast<double>(g.m) * static_cast<double>(g.n) * static_cast<double>(g.k);
      std::vector<double> trials;
      for (double x : t.trials_s) trials.push_back(flops / x / 1e12);
      out.push_back({{"shape", g.what}, {"m", g.m}, {"n", g.n}, {"k", g.k}, {"dtype", dtype_name(d)},
                     {"layout", "C[m,n] = A[m,k] * W[n,k]^T (TN)"}, {"flops_per_call", flops},
                     {"time_s", t.per_call_s}, {"tflops", flops / t.per_call_s / 1e12}, {"tflops_trials", trials},
                     {"calls_per_trial", t.calls_per_trial}, {"warmup_gpu_s", t.warmup_gpu_s}});
      fmt::print(stderr, "gemm {:<34} {:>5}: {:8.1f} TFLOP/s (trials {:.1f})\n", g.what, dtype_name(d),
                 flops / t.per_call_s / 1e12, fmt::join(trials, " "));
    }
  return out;
}

json bandwidth_figures(const Pattern& p, cudaStream_t s) {
  json out = json::array();
  auto record = [&](const std::string& name, double bytes, const Timing& t) {
    std::vector<double> trials;
    for (double x : t.trials_s) trials.push_back(bytes / x / 1e9);
    out.push_back({{"kernel", name}, {"bytes", bytes}, {"time_s", t.per_call_s},
                   {"gbytes_per_s", bytes / t.per_call_s / 1e9}, {"gbytes_per_s_trials", trials},
                   {"fraction_of_4_8_tbs", bytes / t.per_call_s / k_h200_hbm_bytes_per_s},
                   {"calls_per_trial", t.calls_per_trial}});
    fmt::print(stderr, "bandwidth {:<28}: {:8.1f} GB/s\n", name, bytes / t.per_call_s / 1e9);
  };
  // 256 Mi elements: 512 MiB per bf16 operand (256 MiB for the fp8 output),
  // each far past the 60 MB L2, so every figure is HBM traffic.
  const std::int64_t n = 256ll << 20;
  auto x = p.filled(k::Element::bfloat16, n, 2, s), y = p.filled(k::Element::bfloat16, n, 2, s, k_weight_offset);
  cuda::DeviceBuffer z(static_cast<std::size_t>(2 * n)), f8(static_cast<std::size_t>(n));
  // x is refreshed before each kernel: gelu and causal_softmax work in place.
  auto fresh_x = [&] { p.fill(k::Element::bfloat16, x.get(), n, 0, s); };
  record("device-to-device copy", 2.0 * 2 * n, time_calls(s, [&] {
           FLOPWALL_CUDA_CHECK(cudaMemcpyAsync(z.get(), x.get(), 2 * n, cudaMemcpyDeviceToDevice, s));
         }));
  record("gelu bf16", 2.0 * 2 * n, time_calls(s, [&] { k::gelu(k::Element::bfloat16, x.get(), n, s); }));
  fresh_x();
  record("residual_add bf16", 3.0 * 2 * n,
         time_calls(s, [&] { k::residual_add(k::Element::bfloat16, x.get(), y.get(), z.get(), n, s); }));
  record("cast bf16->fp8", 3.0 * n,
         time_calls(s, [&] { k::convert(k::Element::bfloat16, x.get(), k::Element::fp8_e4m3, f8.get(), n, s); }));
  const std::int64_t rows = 65536, cols = 4096;  // rows·cols = n
  auto params = p.filled(k::Element::bfloat16, 2 * cols, 2, s);
  record("layernorm bf16 4096 cols", 2.0 * 2 * rows * cols,
         time_calls(s, [&] { k::layernorm(k::Element::bfloat16, x.get(), params.get(), y.get(), rows, cols, s); }));
  // Causal softmax reads the lower triangle and writes whole rows.
  const std::int64_t seq = 4096, matrices = 16;  // matrices·seq² = n
  const double softmax_bytes = 2.0 * matrices * (seq * (seq + 1) / 2.0 + static_cast<double>(seq) * seq);
  record("causal_softmax bf16 seq 4096", softmax_bytes,
         time_calls(s, [&] { k::causal_softmax(k::Element::bfloat16, x.get(), matrices, seq, s); }));
  return out;
}

// ---- Event overhead --------------------------------------------------------

constexpr std::uint64_t k_gate_limit_ns = 2'000'000'000;

// Host side of the gate (gpu_gate.cu): two words of host-mapped memory, the
// release flag and the gate's outcome.
class Gate {
 public:
  Gate() {
    FLOPWALL_CUDA_CHECK(cudaHostAlloc(reinterpret_cast<void**>(&m_flag), 2 * sizeof(std::uint32_t), cudaHostAllocMapped));
    FLOPWALL_CUDA_CHECK(cudaHostGetDevicePointer(reinterpret_cast<void**>(&m_device_flag), m_flag, 0));
  }
  Gate(const Gate&) = delete;
  Gate& operator=(const Gate&) = delete;
  ~Gate() { static_cast<void>(cudaFreeHost(m_flag)); }

  void hold(cudaStream_t s) {
    std::atomic_ref<std::uint32_t>(m_flag[1]).store(0);
    std::atomic_ref<std::uint32_t>(m_flag[0]).store(0);
    bench::launch_gate(m_device_flag, k_gate_limit_ns, s);
  }
  void release() { std::atomic_ref<std::uint32_t>(m_flag[0]).store(1); }
  // After the stream has drained: whether the gate was released rather than timed out.
  bool held_until_released() const { return std::atomic_ref<std::uint32_t>(m_flag[1]).load() == 1; }

 private:
  std::uint32_t* m_flag = nullptr;
  std::uint32_t* m_device_flag = nullptr;
};

// What recording a start and an end event (cudaEventDefault, as CudaTimer
// does) around every op adds, per op: on the GPU timeline, from a gated batch
// of N small ops with and without the events; on the host, the wall time of
// the two cudaEventRecord calls.
json event_overhead(const Pattern& p, cudaStream_t s) {
  constexpr int reps = 10;
  // The batch waits in the launch queue while the gate holds, and that queue
  // is finite: too many entries would block the host while the GPU waits for
  // it. 3 entries an op (event, kernel, event) stay well inside it at 128 ops;
  // a timed-out gate halves the batch and starts again.
  int ops = 128;
  const std::int64_t n = 1 << 20;  // 1 Mi bf16: a gelu of a few µs, not just launch latency
  auto x = p.filled(k::Element::bfloat16, n, 2, s);
  // Load gelu's module now: lazy loading must not happen while the gate holds the stream.
  k::gelu(k::Element::bfloat16, x.get(), n, s);
  FLOPWALL_CUDA_CHECK(cudaStreamSynchronize(s));
  Gate gate;
  cuda::Event outer_start = cuda::make_event(true), outer_end = cuda::make_event(true);
  std::vector<cuda::Event> events;
  for (int i = 0; i < 2 * ops; ++i) events.push_back(cuda::make_event(true));
  using clock = std::chrono::steady_clock;

  struct Batch {
    double gpu_s, host_enqueue_s;
    bool valid;
  };
  auto batch = [&](bool with_events) -> Batch {
    FLOPWALL_CUDA_CHECK(cudaStreamSynchronize(s));
    gate.hold(s);
    FLOPWALL_CUDA_CHECK(cudaEventRecord(outer_start.get(), s));
    const auto t0 = clock::now();
    for (int i = 0; i < ops; ++i) {
      if (with_events) FLOPWALL_CUDA_CHECK(cudaEventRecord(events[2 * i].get(), s));
      k::gelu(k::Element::bfloat16, x.get(), n, s);
      if (with_events) FLOPWALL_CUDA_CHECK(cudaEventRecord(events[2 * i + 1].get(), s));
    }
    const double host_s = std::chrono::duration<double>(clock::now() - t0).count();
    FLOPWALL_CUDA_CHECK(cudaEventRecord(outer_end.get(), s));
    // The batch must not have started before everything was enqueued.
    const bool not_started = cudaEventQuery(outer_start.get()) == cudaErrorNotReady;
    static_cast<void>(cudaGetLastError());
    gate.release();
    FLOPWALL_CUDA_CHECK(cudaEventSynchronize(outer_end.get()));
    return {elapsed_s(outer_start, outer_end), host_s, not_started && gate.held_until_released()};
  };
  // Host cost of the event records alone: 2·ops records into a held stream.
  auto records = [&]() -> double {
    FLOPWALL_CUDA_CHECK(cudaStreamSynchronize(s));
    gate.hold(s);
    const auto t0 = clock::now();
    for (int i = 0; i < 2 * ops; ++i) FLOPWALL_CUDA_CHECK(cudaEventRecord(events[i].get(), s));
    const double host_s = std::chrono::duration<double>(clock::now() - t0).count();
    gate.release();
    FLOPWALL_CUDA_CHECK(cudaStreamSynchronize(s));
    return host_s;
  };

  std::vector<double> gpu_added, gpu_without, gpu_with, host_added, host_records;
  int invalid = 0;
  for (int rep = -2; rep < reps;) {  // two untimed warm-up repetitions
    const Batch a = batch(false), b = batch(true);
    if (!a.valid || !b.valid) {
      ++invalid;
      if (ops > 16) ops /= 2;
      if (invalid > 6) throw std::runtime_error("event overhead: the gate did not hold its batches");
      fmt::print(stderr, "event overhead: a gated batch started early or timed out; {} ops a batch now\n", ops);
      gpu_added.clear(), gpu_without.clear(), gpu_with.clear(), host_added.clear(), host_records.clear();
      rep = -2;
      continue;
    }
    const double r = records();
    if (rep >= 0) {
      gpu_without.push_back(a.gpu_s);
      gpu_with.push_back(b.gpu_s);
      gpu_added.push_back((b.gpu_s - a.gpu_s) / ops);
      host_added.push_back((b.host_enqueue_s - a.host_enqueue_s) / ops);
      host_records.push_back(r / ops);
    }
    ++rep;
  }
  const double added = median(gpu_added), host_per_op = median(host_records);
  fmt::print(stderr, "event recording: {:.3f} us per op on the GPU, {:.3f} us per op on the host ({} ops)\n",
             added * 1e6, host_per_op * 1e6, ops);
  return {{"added_per_op_s", added},
          {"ops", ops},
          {"host_record_per_op_s", host_per_op},
          {"host_enqueue_added_per_op_s", median(host_added)},
          {"batch_gpu_without_events_s", median(gpu_without)},
          {"batch_gpu_with_events_s", median(gpu_with)},
          {"added_per_op_s_reps", gpu_added},
          {"repetitions", reps},
          {"method", fmt::format("GPU time between two events around a batch of {} in-place gelu ops on 1 Mi bf16 "
                                 "elements, enqueued while a gate kernel held the stream, with and without a "
                                 "cudaEventDefault start and end event around every op; added_per_op_s = median "
                                 "over {} repetitions of (with - without) / ops. host_record_per_op_s: median wall "
                                 "time of 2*ops cudaEventRecord calls, per op.",
                                 ops, reps)}};
}

}  // namespace

int main() {
  try {
    const cuda::Visibility v = cuda::probe_devices();
    if (v.devices == 0) {
      fmt::print(stderr, "flopwall_gpu_bench: no CUDA device is visible: {}\n", v.why_none);
      return 2;
    }
    FLOPWALL_CUDA_CHECK(cudaSetDevice(0));
    const auto started = std::chrono::steady_clock::now();
    cuda::Stream stream = cuda::make_stream();
    // Enough pattern for the largest operand (256 Mi bandwidth elements) past the weight offset.
    const Pattern pattern((256ll << 20) + k_weight_offset, stream.get());
    json result{{"device", cuda::describe_device(0)}, {"versions", cuda::library_versions()}};
    result["timing"] = {{"warmup_gpu_s_min", k_warmup_s}, {"trials", k_trials}, {"trial_gpu_s_min", k_trial_s},
                        {"statistic", "median trial"},
                        {"operands", "hash pattern ((i*2654435761 mod 2^32) >> 8) mod 1000 / 1000 - 0.5; "
                                     "weights from element 1 Mi on"}};
    result["gemm"] = gemm_figures(pattern, stream.get());
    result["bandwidth"] = bandwidth_figures(pattern, stream.get());
    result["event_overhead"] = event_overhead(pattern, stream.get());
    result["bench_wall_s"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    fmt::print("{}\n", result.dump(2));
    return 0;
  } catch (const std::exception& e) {
    fmt::print(stderr, "flopwall_gpu_bench: {}\n", e.what());
    return 1;
  }
}
