// GPU figures for tests/gpu/device-check.sh, printed as one JSON object:
//  - GEMM TFLOP/s through flopwall's cuBLASLt path at 8192-class shapes, per dtype
//  - achieved bandwidth of the bandwidth-bound kernels, next to a device-to-
//    device copy (the measured HBM bandwidth) and the H200's 4.8 TB/s
//  - what recording CUDA events around every op adds per op
// Every time is from CUDA events around repeated launches after warm-up.
#include <cuda_runtime_api.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <functional>
#include <vector>

#include "backend/cuda/cuda_probe.hpp"
#include "backend/cuda/cuda_resources.hpp"
#include "backend/cuda/lt_gemm.hpp"
#include "kernels/cuda/cuda_kernels.hpp"

namespace {

using namespace flopwall;
using nlohmann::json;
namespace k = kernels::cuda;

constexpr int k_warmup = 5;
constexpr int k_reps = 20;
constexpr double k_h200_hbm_bytes_per_s = 4.8e12;

// Mean seconds per call of `f` on `stream`.
double time_per_call(cudaStream_t stream, const std::function<void()>& f) {
  for (int i = 0; i < k_warmup; ++i) f();
  cuda::Event start = cuda::make_event(true), stop = cuda::make_event(true);
  FLOPWALL_CUDA_CHECK(cudaEventRecord(start.get(), stream));
  for (int i = 0; i < k_reps; ++i) f();
  FLOPWALL_CUDA_CHECK(cudaEventRecord(stop.get(), stream));
  FLOPWALL_CUDA_CHECK(cudaEventSynchronize(stop.get()));
  float ms = 0;
  FLOPWALL_CUDA_CHECK(cudaEventElapsedTime(&ms, start.get(), stop.get()));
  return static_cast<double>(ms) / 1e3 / k_reps;
}

// A device buffer of `count` elements holding small non-zero values, so no
// hardware shortcut for zeros can flatter the figures.
cuda::DeviceBuffer filled(k::Element e, std::int64_t count, std::int64_t bytes_per_element, cudaStream_t s) {
  cuda::DeviceBuffer out(static_cast<std::size_t>(count * bytes_per_element));
  std::vector<float> host(static_cast<std::size_t>(count));
  for (std::size_t i = 0; i < host.size(); ++i) host[i] = static_cast<float>((i * 2654435761u) % 1000) / 1000.0f - 0.5f;
  cuda::DeviceBuffer staging(host.size() * sizeof(float));
  FLOPWALL_CUDA_CHECK(cudaMemcpy(staging.get(), host.data(), host.size() * sizeof(float), cudaMemcpyHostToDevice));
  k::convert(k::Element::f32, staging.get(), e, out.get(), count, s);
  FLOPWALL_CUDA_CHECK(cudaStreamSynchronize(s));
  return out;
}

struct GemmShape {
  const char* what;
  std::int64_t m, n, k;
};

json gemm_figures(cudaStream_t s) {
  const std::vector<GemmShape> shapes{{"square 8192", 8192, 8192, 8192},
                                      {"llama2-7b qkv_proj, 16K tokens", 16384, 12288, 4096},
                                      {"llama2-7b mlp_down, 16K tokens", 16384, 4096, 11008}};
  const std::vector<DType> dtypes{DType::fp32, DType::tf32, DType::fp16, DType::bf16, DType::fp8};
  cuda::LtHandle lt;
  cuda::DeviceBuffer workspace(32u << 20);
  json out = json::array();
  for (const GemmShape& g : shapes)
    for (DType d : dtypes) {
      const bool fp8 = d == DType::fp8;
      const k::Element in = fp8 ? k::Element::e4m3
                                : (d == DType::fp16 ? k::Element::f16 : (d == DType::bf16 ? k::Element::bf16 : k::Element::f32));
      const k::Element out_e = fp8 ? k::Element::bf16 : in;
      const std::int64_t in_b = element_bytes(d, BufferRole::gemm_operand), out_b = fp8 ? 2 : in_b;
      auto a = filled(in, g.m * g.k, in_b, s);
      auto w = filled(in, g.n * g.k, in_b, s);
      auto c = filled(out_e, g.m * g.n, out_b, s);
      cuda::LtGemm gemm(lt, d, g.m, g.n, g.k, workspace.get(), workspace.bytes());
      const double t = time_per_call(s, [&] { gemm.run(a.get(), w.get(), c.get(), s); });
      const double flops = 2.0 * static_cast<double>(g.m) * static_cast<double>(g.n) * static_cast<double>(g.k);
      out.push_back({{"shape", g.what}, {"m", g.m}, {"n", g.n}, {"k", g.k}, {"dtype", dtype_name(d)},
                     {"time_s", t}, {"tflops", flops / t / 1e12}});
      fmt::print(stderr, "gemm {:<34} {:>5}: {:8.1f} TFLOP/s\n", g.what, dtype_name(d), flops / t / 1e12);
    }
  return out;
}

json bandwidth_figures(cudaStream_t s) {
  json out = json::array();
  auto record = [&](const std::string& name, double bytes, double t) {
    out.push_back({{"kernel", name}, {"bytes", bytes}, {"time_s", t}, {"gbytes_per_s", bytes / t / 1e9},
                   {"fraction_of_4_8_tbs", bytes / t / k_h200_hbm_bytes_per_s}});
    fmt::print(stderr, "bandwidth {:<28}: {:8.1f} GB/s\n", name, bytes / t / 1e9);
  };
  const std::int64_t n = 256ll << 20;  // 256 Mi bf16 elements: 512 MiB per operand, far past L2
  auto x = filled(k::Element::bf16, n, 2, s), y = filled(k::Element::bf16, n, 2, s), z = filled(k::Element::bf16, n, 2, s);
  auto f8 = filled(k::Element::e4m3, n, 1, s);
  record("device-to-device copy", 2.0 * 2 * n,
         time_per_call(s, [&] { FLOPWALL_CUDA_CHECK(cudaMemcpyAsync(z.get(), x.get(), 2 * n, cudaMemcpyDeviceToDevice, s)); }));
  record("gelu bf16", 2.0 * 2 * n, time_per_call(s, [&] { k::gelu(k::Element::bf16, x.get(), n, s); }));
  record("residual_add bf16", 3.0 * 2 * n,
         time_per_call(s, [&] { k::residual_add(k::Element::bf16, x.get(), y.get(), z.get(), n, s); }));
  record("cast bf16->fp8", 3.0 * n, time_per_call(s, [&] { k::convert(k::Element::bf16, x.get(), k::Element::e4m3, f8.get(), n, s); }));
  const std::int64_t rows = 65536, cols = 4096;
  auto params = filled(k::Element::bf16, 2 * cols, 2, s);
  record("layernorm bf16 4096 cols", 2.0 * 2 * rows * cols,
         time_per_call(s, [&] { k::layernorm(k::Element::bf16, x.get(), params.get(), y.get(), rows, cols, s); }));
  // Causal softmax reads the lower triangle and writes whole rows.
  const std::int64_t seq = 4096, matrices = 16;
  const double softmax_bytes = 2.0 * matrices * (seq * (seq + 1) / 2.0 + static_cast<double>(seq) * seq);
  record("causal_softmax bf16 seq 4096", softmax_bytes,
         time_per_call(s, [&] { k::causal_softmax(k::Element::bf16, x.get(), matrices, seq, s); }));
  return out;
}

// Per op, what two event records add to a stream of small kernels.
json event_overhead(cudaStream_t s) {
  constexpr int ops = 2000;
  const std::int64_t n = 4096;
  auto x = filled(k::Element::bf16, n, 2, s);
  std::vector<cuda::Event> events;
  for (int i = 0; i < 2 * ops; ++i) events.push_back(cuda::make_event(true));
  auto run = [&](bool with_events) {
    FLOPWALL_CUDA_CHECK(cudaStreamSynchronize(s));
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < ops; ++i) {
      if (with_events) FLOPWALL_CUDA_CHECK(cudaEventRecord(events[2 * i].get(), s));
      k::gelu(k::Element::bf16, x.get(), n, s);
      if (with_events) FLOPWALL_CUDA_CHECK(cudaEventRecord(events[2 * i + 1].get(), s));
    }
    FLOPWALL_CUDA_CHECK(cudaStreamSynchronize(s));
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };
  run(true);  // warm-up
  double without = 1e30, with = 1e30;
  for (int rep = 0; rep < 5; ++rep) {
    without = std::min(without, run(false));
    with = std::min(with, run(true));
  }
  const double per_op = (with - without) / ops;
  fmt::print(stderr, "event recording: {:.3f} us per op\n", per_op * 1e6);
  return {{"ops", ops}, {"step_without_events_s", without}, {"step_with_events_s", with}, {"added_per_op_s", per_op}};
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
    cuda::Stream stream = cuda::make_stream();
    json result{{"device", cuda::describe_device(0)}, {"versions", cuda::library_versions()}};
    result["gemm"] = gemm_figures(stream.get());
    result["bandwidth"] = bandwidth_figures(stream.get());
    result["event_overhead"] = event_overhead(stream.get());
    fmt::print("{}\n", result.dump(2));
    return 0;
  } catch (const std::exception& e) {
    fmt::print(stderr, "flopwall_gpu_bench: {}\n", e.what());
    return 1;
  }
}
