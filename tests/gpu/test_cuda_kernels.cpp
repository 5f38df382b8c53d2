// GPU tests: each CUDA kernel, the cuBLASLt GEMM wrapper and a whole
// transformer plan against the CPU reference run in double precision. Inputs
// are rounded to the device type first and the reference is computed from the
// rounded values, so a tolerance bounds the kernel's own error rather than the
// input rounding. Without a visible device every test is skipped.
#include <cuda_runtime_api.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "backend/cpu_device.hpp"
#include "backend/cuda/cuda_device.hpp"
#include "platform/cuda/cuda_resources.hpp"
#include "backend/cuda/lt_gemm.hpp"
#include "kernels/cpu/backward.hpp"
#include "kernels/cpu/kernels.hpp"
#include "tests/common/expect_close.hpp"
#include "kernels/cuda/cuda_kernels.hpp"
#include "model/plan.hpp"

namespace flopwall {
namespace {

namespace cpu = kernels::cpu;
namespace gpu = kernels::cuda;
using gpu::Element;
using std::int64_t;

std::size_t bytes_per_element(Element e) {
  switch (e) {
    case Element::float32: return 4;
    case Element::half:
    case Element::bfloat16: return 2;
    case Element::fp8_e4m3: return 1;
  }
  return 0;
}

const char* element_name(Element e) {
  switch (e) {
    case Element::float32: return "f32";
    case Element::half: return "f16";
    case Element::bfloat16: return "bf16";
    case Element::fp8_e4m3: return "e4m3";
  }
  return "?";
}

// One output rounding of an O(1) value, with headroom for fp32 arithmetic.
double activation_tolerance(Element e) {
  switch (e) {
    case Element::float32: return 1e-4;
    case Element::half: return 3e-3;
    case Element::bfloat16: return 2e-2;
    case Element::fp8_e4m3: break;
  }
  throw std::invalid_argument("e4m3 is not an activation type");
}

struct DeviceArray {
  Element type;
  int64_t count;
  cuda::DeviceBuffer memory;
  void* get() const noexcept { return memory.get(); }
};

DeviceArray allocate(Element type, int64_t count) {
  return {type, count, cuda::DeviceBuffer(static_cast<std::size_t>(count) * bytes_per_element(type))};
}

std::vector<double> random_values(int64_t count, unsigned seed, double lo, double hi) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<double> dist(lo, hi);
  std::vector<double> v(static_cast<std::size_t>(count));
  for (double& x : v) x = dist(gen);
  return v;
}

// Calls f(index) for every entry past the diagonal of `matrices` [seq, seq] blocks.
template <class F>
void for_each_above_diagonal(int64_t matrices, int64_t seq, F&& f) {
  for (int64_t m = 0; m < matrices; ++m)
    for (int64_t i = 0; i < seq; ++i)
      for (int64_t j = i + 1; j < seq; ++j) f(static_cast<std::size_t>((m * seq + i) * seq + j));
}

std::vector<double> lower_triangle(const std::vector<double>& v, int64_t matrices, int64_t seq) {
  std::vector<double> out;
  for (int64_t m = 0; m < matrices; ++m)
    for (int64_t i = 0; i < seq; ++i)
      for (int64_t j = 0; j <= i; ++j) out.push_back(v[static_cast<std::size_t>((m * seq + i) * seq + j)]);
  return out;
}

class CudaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    int count = 0;
    const cudaError_t rc = cudaGetDeviceCount(&count);
    if (rc != cudaSuccess) GTEST_SKIP() << "no CUDA device visible: " << cudaGetErrorString(rc);
    if (count == 0) GTEST_SKIP() << "no CUDA device visible: cudaGetDeviceCount reports 0 devices";
    FLOPWALL_CUDA_CHECK(cudaSetDevice(0));
    m_stream = cuda::make_stream();
  }

  cudaStream_t stream() const noexcept { return m_stream.get(); }

  // Rounds on the host to fp32, then on the device to `type`.
  DeviceArray upload(const std::vector<double>& values, Element type) const {
    std::vector<float> host(values.size());
    std::transform(values.begin(), values.end(), host.begin(), [](double v) { return static_cast<float>(v); });
    cuda::DeviceBuffer staging(host.size() * sizeof(float));
    FLOPWALL_CUDA_CHECK(
        cudaMemcpyAsync(staging.get(), host.data(), host.size() * sizeof(float), cudaMemcpyHostToDevice, stream()));
    DeviceArray out = allocate(type, static_cast<int64_t>(values.size()));
    gpu::convert(Element::float32, staging.get(), type, out.get(), out.count, stream());
    FLOPWALL_CUDA_CHECK(cudaStreamSynchronize(stream()));
    return out;
  }

  // Waits for everything queued on the stream, then copies the array back.
  std::vector<double> download(const DeviceArray& a) const {
    cuda::DeviceBuffer staging(static_cast<std::size_t>(a.count) * sizeof(float));
    gpu::convert(a.type, a.get(), Element::float32, staging.get(), a.count, stream());
    std::vector<float> host(static_cast<std::size_t>(a.count));
    FLOPWALL_CUDA_CHECK(
        cudaMemcpyAsync(host.data(), staging.get(), host.size() * sizeof(float), cudaMemcpyDeviceToHost, stream()));
    FLOPWALL_CUDA_CHECK(cudaStreamSynchronize(stream()));
    return {host.begin(), host.end()};
  }

 private:
  cuda::Stream m_stream;
};

class CudaKernels : public CudaTest, public ::testing::WithParamInterface<Element> {
 protected:
  Element type() const { return GetParam(); }
  double tol() const { return activation_tolerance(GetParam()); }

  void check_layernorm(int64_t rows, int64_t cols, unsigned seed) const {
    SCOPED_TRACE(::testing::Message() << rows << " x " << cols);
    std::vector<double> params = random_values(cols, seed + 1, 0.5, 1.5);
    const std::vector<double> beta = random_values(cols, seed + 2, -1.0, 1.0);
    params.insert(params.end(), beta.begin(), beta.end());
    const DeviceArray x = upload(random_values(rows * cols, seed, -3.0, 5.0), type());
    const DeviceArray p = upload(params, type());
    const DeviceArray y = allocate(type(), rows * cols);
    gpu::layernorm(type(), x.get(), p.get(), y.get(), rows, cols, stream());

    const std::vector<double> xr = download(x), pr = download(p);
    std::vector<double> want(xr.size());
    cpu::layernorm<double>(xr.data(), pr.data(), pr.data() + cols, want.data(), rows, cols);
    expect_close(download(y), want, tol());
  }

  void check_causal_softmax(int64_t matrices, int64_t seq, unsigned seed) const {
    SCOPED_TRACE(::testing::Message() << matrices << " matrices of seq " << seq);
    const DeviceArray scores = upload(random_values(matrices * seq * seq, seed, -4.0, 4.0), type());
    std::vector<double> want = download(scores);
    cpu::causal_softmax<double>(want.data(), matrices, seq);
    gpu::causal_softmax(type(), scores.get(), matrices, seq, stream());

    const std::vector<double> got = download(scores);
    expect_close(got, want, tol(), 1e-3);
    int64_t nonzero = 0;
    for_each_above_diagonal(matrices, seq, [&](std::size_t i) { nonzero += got[i] != 0.0; });
    EXPECT_EQ(nonzero, 0) << "entries past the diagonal must be exact zeros";
  }
};

INSTANTIATE_TEST_SUITE_P(Activations, CudaKernels, ::testing::Values(Element::float32, Element::half, Element::bfloat16),
                         [](const ::testing::TestParamInfo<Element>& param_info) {
                           return std::string(element_name(param_info.param));
                         });

TEST_P(CudaKernels, LayernormMatchesCpu) {
  check_layernorm(5, 300, 11);
  check_layernorm(3, 3000, 12);
}

TEST_P(CudaKernels, CausalSoftmaxMatchesCpu) {
  check_causal_softmax(6, 37, 21);
  check_causal_softmax(1, 3000, 22);
}

TEST_P(CudaKernels, GeluMatchesCpu) {
  for (const int64_t count : {int64_t{5}, int64_t{4099}}) {
    SCOPED_TRACE(::testing::Message() << "count " << count);
    const DeviceArray x = upload(random_values(count, static_cast<unsigned>(count), -6.0, 6.0), type());
    std::vector<double> want = download(x);
    cpu::gelu<double>(want.data(), count);
    gpu::gelu(type(), x.get(), count, stream());
    expect_close(download(x), want, tol());
  }
}

TEST_P(CudaKernels, ResidualAddMatchesCpu) {
  for (const int64_t count : {int64_t{7}, int64_t{10007}}) {
    SCOPED_TRACE(::testing::Message() << "count " << count);
    const DeviceArray x = upload(random_values(count, 31, -2.0, 2.0), type());
    const DeviceArray y = upload(random_values(count, 32, -2.0, 2.0), type());
    const DeviceArray out = allocate(type(), count);
    gpu::residual_add(type(), x.get(), y.get(), out.get(), count, stream());

    const std::vector<double> xr = download(x), yr = download(y);
    std::vector<double> want(xr.size());
    cpu::residual_add<double>(xr.data(), yr.data(), want.data(), count);
    expect_close(download(out), want, tol());
  }
}

struct AttentionShape {
  int64_t batch, heads, seq, head_dim;
  int64_t matrices() const { return batch * heads; }
  int64_t qkv_elements() const { return batch * seq * 3 * heads * head_dim; }
  int64_t context_elements() const { return batch * seq * heads * head_dim; }
};
// Partial 32-wide tiles in seq and head_dim, and tiles wholly above the diagonal, which no kernel touches.
constexpr AttentionShape k_attention_shapes[] = {{2, 3, 37, 24}, {2, 3, 70, 64}};

TEST_P(CudaKernels, AttentionScoresMatchCpuOnTheCausalPart) {
  for (const AttentionShape& a : k_attention_shapes) {
    SCOPED_TRACE(::testing::Message() << "seq " << a.seq << ", head_dim " << a.head_dim);
    const DeviceArray qkv = upload(random_values(a.qkv_elements(), 41, -1.0, 1.0), type());
    const DeviceArray scores = allocate(type(), a.matrices() * a.seq * a.seq);
    FLOPWALL_CUDA_CHECK(cudaMemsetAsync(scores.get(), 0, scores.memory.bytes(), stream()));
    gpu::attention_scores(type(), qkv.get(), scores.get(), a.batch, a.heads, a.seq, a.head_dim, stream());

    const std::vector<double> qkv_r = download(qkv);
    std::vector<double> want(static_cast<std::size_t>(a.matrices() * a.seq * a.seq));
    cpu::attention_scores<double>(qkv_r.data(), want.data(), a.batch, a.heads, a.seq, a.head_dim);
    expect_close(lower_triangle(download(scores), a.matrices(), a.seq), lower_triangle(want, a.matrices(), a.seq),
                 tol());
  }
}

TEST_P(CudaKernels, AttentionContextMatchesCpuAndNeverReadsPastTheDiagonal) {
  for (const AttentionShape& a : k_attention_shapes) {
    SCOPED_TRACE(::testing::Message() << "seq " << a.seq << ", head_dim " << a.head_dim);
    std::vector<double> probs = random_values(a.matrices() * a.seq * a.seq, 51, -4.0, 4.0);
    cpu::causal_softmax<double>(probs.data(), a.matrices(), a.seq);
    for_each_above_diagonal(a.matrices(), a.seq,
                            [&](std::size_t i) { probs[i] = std::numeric_limits<double>::quiet_NaN(); });
    const DeviceArray p = upload(probs, type());
    const DeviceArray qkv = upload(random_values(a.qkv_elements(), 52, -1.0, 1.0), type());
    const DeviceArray context = allocate(type(), a.context_elements());
    gpu::attention_context(type(), p.get(), qkv.get(), context.get(), a.batch, a.heads, a.seq, a.head_dim, stream());

    std::vector<double> p_r = download(p);
    for_each_above_diagonal(a.matrices(), a.seq, [&](std::size_t i) { p_r[i] = 0.0; });
    const std::vector<double> qkv_r = download(qkv);
    std::vector<double> want(static_cast<std::size_t>(a.context_elements()));
    cpu::attention_context<double>(p_r.data(), qkv_r.data(), want.data(), a.batch, a.heads, a.seq, a.head_dim);
    expect_close(download(context), want, tol());
  }
}

// The training step's backward kernels against kernels/cpu/backward.cpp, on
// the inputs as rounded to the device type (emulated too: tests/emulated).
double share_of_largest(const std::vector<double>& v) {
  double m = 0;
  for (const double x : v) m = std::max(m, std::fabs(x));
  return 0.05 * m;
}

TEST_P(CudaKernels, BackwardKernelsMatchCpu) {
  {  // GELU
    const int64_t count = 4099;
    const DeviceArray x = upload(random_values(count, 51, -5.0, 5.0), type());
    const DeviceArray dy = upload(random_values(count, 52, -1.0, 1.0), type());
    const DeviceArray dx = allocate(type(), count);
    gpu::gelu_backward(type(), x.get(), dy.get(), dx.get(), count, stream());
    const std::vector<double> xr = download(x), dyr = download(dy);
    std::vector<double> want(xr.size());
    cpu::gelu_backward<double>(xr.data(), dyr.data(), want.data(), count);
    expect_close(download(dx), want, tol(), 0.1);
  }
  {  // causal softmax, in place over dp
    const int64_t matrices = 3, seq = 300;
    std::vector<double> p = random_values(matrices * seq * seq, 53, -2.0, 2.0);
    cpu::causal_softmax<double>(p.data(), matrices, seq);
    const DeviceArray pd = upload(p, type());
    const DeviceArray dp = upload(random_values(matrices * seq * seq, 54, -1.0, 1.0), type());
    const std::vector<double> pr = download(pd), dpr = download(dp);
    std::vector<double> want(pr.size());
    cpu::causal_softmax_backward<double>(pr.data(), dpr.data(), want.data(), matrices, seq);
    gpu::causal_softmax_backward(type(), pd.get(), dp.get(), dp.get(), matrices, seq, stream());
    expect_close(download(dp), want, tol(), share_of_largest(want));
  }
  {  // layernorm
    const int64_t rows = 37, cols = 3000;
    const DeviceArray x = upload(random_values(rows * cols, 61, -3.0, 5.0), type());
    const DeviceArray gamma = upload(random_values(cols, 62, 0.5, 1.5), type());
    const DeviceArray dy = upload(random_values(rows * cols, 63, -1.0, 1.0), type());
    const DeviceArray dx = allocate(type(), rows * cols), dparams = allocate(type(), 2 * cols);
    const DeviceArray stats = allocate(Element::float32, 2 * rows);
    gpu::layernorm_backward(type(), x.get(), gamma.get(), dy.get(), dx.get(), dparams.get(),
                            static_cast<float*>(stats.get()), rows, cols, stream());
    const std::vector<double> xr = download(x), gr = download(gamma), dyr = download(dy);
    std::vector<double> want_dx(xr.size()), want_dparams(static_cast<std::size_t>(2 * cols));
    cpu::layernorm_backward<double>(xr.data(), gr.data(), dyr.data(), want_dx.data(), want_dparams.data(), rows, cols);
    expect_close(download(dx), want_dx, tol(), share_of_largest(want_dx));
    expect_close(download(dparams), want_dparams, tol(), share_of_largest(want_dparams));
  }
  {  // attention: dP and dV, then dQ and dK
    const int64_t batch = 2, heads = 3, seq = 70, head_dim = 64, width = heads * head_dim;
    std::vector<double> p = random_values(batch * heads * seq * seq, 71, -2.0, 2.0);
    cpu::causal_softmax<double>(p.data(), batch * heads, seq);
    const DeviceArray pd = upload(p, type());
    const DeviceArray qkv = upload(random_values(batch * seq * 3 * width, 72, -1.0, 1.0), type());
    const DeviceArray dc = upload(random_values(batch * seq * width, 73, -1.0, 1.0), type());
    const DeviceArray ds_in = upload(random_values(batch * heads * seq * seq, 74, -1.0, 1.0), type());
    const DeviceArray ds = allocate(type(), batch * heads * seq * seq);
    const DeviceArray dqkv = upload(std::vector<double>(static_cast<std::size_t>(batch * seq * 3 * width), 0.0), type());
    gpu::attention_context_backward(type(), pd.get(), qkv.get(), dc.get(), ds.get(), dqkv.get(), batch, heads, seq,
                                    head_dim, stream());
    gpu::attention_scores_backward(type(), qkv.get(), ds_in.get(), dqkv.get(), batch, heads, seq, head_dim, stream());
    const std::vector<double> pr = download(pd), qr = download(qkv), dcr = download(dc), dsr = download(ds_in);
    std::vector<double> want_ds(pr.size()), want_dqkv(qr.size(), 0.0);
    cpu::attention_context_backward<double>(pr.data(), qr.data(), dcr.data(), want_ds.data(), want_dqkv.data(), batch,
                                            heads, seq, head_dim);
    cpu::attention_scores_backward<double>(qr.data(), dsr.data(), want_dqkv.data(), batch, heads, seq, head_dim);
    expect_close(download(ds), want_ds, tol(), share_of_largest(want_ds));
    expect_close(download(dqkv), want_dqkv, tol(), share_of_largest(want_dqkv));
  }
}

TEST_F(CudaTest, ActivationKernelsRejectFp8) {
  const DeviceArray x = allocate(Element::fp8_e4m3, 16);
  EXPECT_THROW(gpu::gelu(Element::fp8_e4m3, x.get(), x.count, stream()), std::invalid_argument);
}

// Round to nearest: |rounded − x| ≤ half an ulp of x, or half the subnormal step below the normal range.
struct Rounding {
  Element type;
  double half_ulp;
  double half_subnormal_step;
};
constexpr Rounding k_roundings[] = {
    {Element::float32, 0.0, 0.0},
    {Element::half, 0x1p-11, 0x1p-25},
    {Element::bfloat16, 0x1p-8, 0.0},
    {Element::fp8_e4m3, 0x1p-4, 0x1p-10},
};

TEST_F(CudaTest, ConvertRoundsToNearestAndIsIdempotent) {
  std::mt19937 gen(61);
  std::uniform_real_distribution<double> exponent(-20.0, 8.0);
  std::vector<double> x(4099);
  for (std::size_t i = 0; i < x.size(); ++i)
    x[i] = static_cast<float>((i % 2 == 0 ? 1.0 : -1.0) * std::exp2(exponent(gen)));
  for (const Rounding& r : k_roundings) {
    SCOPED_TRACE(element_name(r.type));
    const std::vector<double> rounded = download(upload(x, r.type));
    std::size_t bad = 0;
    for (std::size_t i = 0; i < x.size(); ++i)
      bad += !(std::fabs(rounded[i] - x[i]) <= r.half_ulp * std::fabs(x[i]) + r.half_subnormal_step);
    EXPECT_EQ(bad, 0u) << "values not rounded to nearest";
    EXPECT_EQ(download(upload(rounded, r.type)), rounded) << "rounded values must convert exactly";
  }
}

TEST_F(CudaTest, ConvertToE4m3SaturatesAndAgreesAcrossSourceTypes) {
  EXPECT_EQ(download(upload({1000.0, -1e6, 448.0}, Element::fp8_e4m3)), (std::vector<double>{448.0, -448.0, 448.0}));
  const DeviceArray b = upload(random_values(1001, 62, -300.0, 300.0), Element::bfloat16);
  const DeviceArray direct = allocate(Element::fp8_e4m3, b.count);
  gpu::convert(Element::bfloat16, b.get(), Element::fp8_e4m3, direct.get(), b.count, stream());
  EXPECT_EQ(download(direct), download(upload(download(b), Element::fp8_e4m3)));
}

struct GemmCase {
  DType dtype;
  Element in, out;
  int64_t m, n, k;
  double tol;
};
// fp8 operands are e4m3 and write bf16; cuBLASLt takes fp8 only for multiples of 16.
const GemmCase k_gemm_cases[] = {
    {DType::fp32, Element::float32, Element::float32, 37, 24, 40, 1e-4},
    {DType::tf32, Element::float32, Element::float32, 37, 24, 40, 1e-2},
    {DType::fp16, Element::half, Element::half, 37, 24, 40, 3e-3},
    {DType::bf16, Element::bfloat16, Element::bfloat16, 37, 24, 40, 1e-2},
    {DType::fp8, Element::fp8_e4m3, Element::bfloat16, 64, 48, 32, 1e-2},
};

constexpr std::size_t k_workspace_bytes = 32u << 20;  // as the CUDA device gives cuBLASLt

class CudaGemm : public CudaTest, public ::testing::WithParamInterface<GemmCase> {};

INSTANTIATE_TEST_SUITE_P(Dtypes, CudaGemm, ::testing::ValuesIn(k_gemm_cases),
                         [](const ::testing::TestParamInfo<GemmCase>& param_info) {
                           return std::string(dtype_name(param_info.param.dtype));
                         });

TEST_P(CudaGemm, MatchesCpuOnRoundedInputs) {
  const GemmCase& g = GetParam();
  const DeviceArray a = upload(random_values(g.m * g.k, 71, -1.0, 1.0), g.in);
  const DeviceArray w = upload(random_values(g.n * g.k, 72, -1.0, 1.0), g.in);
  const DeviceArray c = allocate(g.out, g.m * g.n);
  const cuda::LtHandle handle;
  const cuda::DeviceBuffer workspace(k_workspace_bytes);
  const cuda::LtGemm gemm(handle, g.dtype, g.m, g.n, g.k, workspace.get(), workspace.bytes());
  gemm.run(a.get(), w.get(), c.get(), stream());

  const std::vector<double> ar = download(a), wr = download(w);
  std::vector<double> want(static_cast<std::size_t>(g.m * g.n));
  cpu::gemm<double>(true, g.m, g.n, g.k, 1.0, ar.data(), g.k, wr.data(), g.k, want.data(), g.n);
  expect_close(download(c), want, g.tol);
}

const ModelShape k_model{.hidden = 64, .heads = 4, .ffn = 128, .layers = 2, .seq = 32, .batch = 2};
const ParallelLayout k_single{.world_size = 1, .tp = 1};

std::vector<double> forward_on_cpu_fp64(const ModelShape& shape) {
  const Plan plan = build_transformer_plan(shape, k_single, 0, DType::fp64);
  const auto device = make_cpu_device(DType::fp64, 1);
  device->prepare(plan);
  for (std::size_t i = 0; i < plan.ops.size(); ++i) device->execute(i, std::get<DeviceOp>(plan.ops[i].params));
  return device->read_buffer(plan.output);
}

std::vector<double> forward_on_cuda(const ModelShape& shape, DType dtype) {
  const Plan plan = build_transformer_plan(shape, k_single, 0, dtype);
  const auto device = cuda::make_cuda_device(0, dtype, {});
  device->prepare(plan);
  for (std::size_t i = 0; i < plan.ops.size(); ++i) device->execute(i, std::get<DeviceOp>(plan.ops[i].params));
  FLOPWALL_CUDA_CHECK(cudaStreamSynchronize(device->compute_stream()));
  return device->read_buffer(plan.output);
}

// Relative to max |output|. A CPU emulation that rounds every buffer to the
// run's type after each op is off by 0.5% (bf16) and 0.06% (fp16); fp32 by 1.5e-7.
struct PlanCase {
  DType dtype;
  double tol;
};

class CudaPlan : public CudaTest, public ::testing::WithParamInterface<PlanCase> {};

INSTANTIATE_TEST_SUITE_P(Dtypes, CudaPlan,
                         ::testing::Values(PlanCase{DType::fp32, 1e-4}, PlanCase{DType::tf32, 1e-2},
                                           PlanCase{DType::fp16, 5e-3}, PlanCase{DType::bf16, 3e-2}),
                         [](const ::testing::TestParamInfo<PlanCase>& param_info) {
                           return std::string(dtype_name(param_info.param.dtype));
                         });

TEST_P(CudaPlan, OutputMatchesCpuFp64) {
  const std::vector<double> want = forward_on_cpu_fp64(k_model);
  const std::vector<double> got = forward_on_cuda(k_model, GetParam().dtype);
  ASSERT_EQ(got.size(), want.size());
  double max_abs = 0.0, max_diff = 0.0;
  for (std::size_t i = 0; i < got.size(); ++i) {
    ASSERT_TRUE(std::isfinite(got[i])) << "element " << i;
    max_abs = std::max(max_abs, std::fabs(want[i]));
    max_diff = std::max(max_diff, std::fabs(got[i] - want[i]));
  }
  EXPECT_GT(max_abs, 0.1) << "the output should not be trivially small";
  EXPECT_LE(max_diff, GetParam().tol * max_abs)
      << "max |cuda − cpu fp64| = " << max_diff << ", max |cpu| = " << max_abs;
}

// The MoE block on one rank (ep 1): its all-to-alls are the group's local
// copy, done here as the communicator would. CPU fp64 against the cuda run.
ModelShape moe_model() {
  ModelShape s = k_model;
  s.moe = {.experts = 4, .topk = 2, .capacity = 1.0, .zipf = 1.0, .every = 1};
  return s;
}
const ParallelLayout k_single_ep{.world_size = 1, .tp = 1, .ep = 1};

std::vector<double> moe_forward(Device& device, const Plan& plan, std::size_t element_size,
                                const std::function<void(void*, const void*, std::size_t)>& copy) {
  device.prepare(plan);
  for (std::size_t i = 0; i < plan.ops.size(); ++i) {
    if (const auto* a = std::get_if<AllToAllVOp>(&plan.ops[i].params)) {
      copy(device.buffer(a->recv), device.buffer(a->send), static_cast<std::size_t>(a->send_counts->at(0)) * element_size);
      continue;
    }
    device.execute(i, std::get<DeviceOp>(plan.ops[i].params));
  }
  return device.read_buffer(plan.output);
}

TEST_P(CudaPlan, MoeOutputMatchesCpuFp64) {
  const Plan cpu_plan = build_transformer_plan(moe_model(), k_single_ep, 0, DType::fp64);
  const auto cpu_device = make_cpu_device(DType::fp64, 1);
  const std::vector<double> want =
      moe_forward(*cpu_device, cpu_plan, sizeof(double), [](void* d, const void* s, std::size_t n) { std::memcpy(d, s, n); });
  const DType dtype = GetParam().dtype;
  const Plan plan = build_transformer_plan(moe_model(), k_single_ep, 0, dtype);
  const auto device = cuda::make_cuda_device(0, dtype, {});
  const cudaStream_t stream = device->compute_stream();
  const std::vector<double> got = moe_forward(
      *device, plan, static_cast<std::size_t>(element_bytes(dtype, BufferRole::activation)),
      [&](void* d, const void* s, std::size_t n) {
        FLOPWALL_CUDA_CHECK(cudaMemcpyAsync(d, s, n, cudaMemcpyDeviceToDevice, stream));
      });
  ASSERT_EQ(got.size(), want.size());
  double max_abs = 0.0, max_diff = 0.0;
  for (std::size_t i = 0; i < got.size(); ++i) {
    ASSERT_TRUE(std::isfinite(got[i])) << "element " << i;
    max_abs = std::max(max_abs, std::fabs(want[i]));
    max_diff = std::max(max_diff, std::fabs(got[i] - want[i]));
  }
  EXPECT_GT(max_abs, 0.1);
  EXPECT_LE(max_diff, GetParam().tol * max_abs) << "max |cuda − cpu fp64| = " << max_diff;
}

}  // namespace
}  // namespace flopwall
