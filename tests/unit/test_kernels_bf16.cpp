// The cpu backend's bf16 path: every CPU kernel on bf16 storage against a
// double reference computed from the same (bf16-rounded) inputs; the bf16
// GEMM through OpenBLAS's sbgemm when the loaded OpenBLAS has it and through
// a stand-in of the same signature otherwise; the sbgemm lookup and the
// device's refusal when the library lacks it.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <random>
#include <string>
#include <vector>

#include "../common/expect_close.hpp"
#include "../common/reference_sbgemm.hpp"
#include "backend/cpu_device.hpp"
#include "cli/input_limits.hpp"
#include "cli/run_config.hpp"
#include "core/error.hpp"
#include "kernels/cpu/bf16_gemm.hpp"
#include "kernels/cpu/kernels.hpp"
#include "model/plan.hpp"

namespace flopwall {
namespace {

namespace cpu = kernels::cpu;
using std::int64_t;
using Bf16s = std::vector<BFloat16>;

// One rounding of a float result to bf16: at most 2^-9 relative; 2^-8 leaves
// room for the float math before it.
constexpr double k_one_rounding = 0x1p-8;

Bf16s random_bf16(std::size_t count, unsigned seed, double lo = -1.0, double hi = 1.0) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<double> dist(lo, hi);
  Bf16s v(count);
  for (auto& x : v) x = BFloat16(dist(gen));
  return v;
}

std::vector<double> as_double(const Bf16s& v) { return {v.begin(), v.end()}; }

// C = alpha·A·op(B) in double from the bf16 inputs.
std::vector<double> reference_gemm(bool trans_b, int64_t m, int64_t n, int64_t k, double alpha, const Bf16s& a,
                                   int64_t lda, const Bf16s& b, int64_t ldb) {
  std::vector<double> c(static_cast<std::size_t>(m * n));
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double acc = 0;
      for (int64_t p = 0; p < k; ++p)
        acc += double(a[i * lda + p]) * double(trans_b ? b[j * ldb + p] : b[p * ldb + j]);
      c[i * n + j] = alpha * acc;
    }
  return c;
}

// Runs a [m, n] GEMM with padded leading dimensions through `fn` and checks
// the result and that the padding is untouched.
void check_gemm(cpu::SbgemmFn fn, bool trans_b, int64_t m, int64_t n, int64_t k) {
  const int64_t lda = k + 3, ldb = (trans_b ? k : n) + 1, ldc = n + 2;
  const Bf16s a = random_bf16(m * lda, 1), b = random_bf16((trans_b ? n : k) * ldb, 2);
  const BFloat16 sentinel(-7.0f);
  Bf16s c(m * ldc, sentinel);
  cpu::Bf16Gemm gemm(fn);
  gemm.reserve(m * n);
  gemm(trans_b, m, n, k, 1.5f, a.data(), lda, b.data(), ldb, c.data(), ldc);
  std::vector<double> got;
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) got.push_back(double(c[i * ldc + j]));
    for (int64_t j = n; j < ldc; ++j) ASSERT_EQ(c[i * ldc + j].bits(), sentinel.bits()) << "padding overwritten";
  }
  expect_close(got, reference_gemm(trans_b, m, n, k, 1.5, a, lda, b, ldb), k_one_rounding, 1.0);
}

TEST(CpuBf16Gemm, StandInSbgemmRoundsItsFloatOutput) {
  check_gemm(&testing::reference_sbgemm, false, 7, 5, 33);
  check_gemm(&testing::reference_sbgemm, true, 9, 6, 17);
}

TEST(CpuBf16Gemm, LoadedOpenblasSbgemmMatchesDoubleReference) {
  const cpu::SbgemmFn fn = cpu::find_sbgemm(cpu::openblas_symbols());
  if (!fn) GTEST_SKIP() << "this OpenBLAS (" << cpu::openblas_library_path() << ") lacks cblas_sbgemm";
  check_gemm(fn, false, 64, 48, 96);
  check_gemm(fn, true, 37, 29, 70);
}

TEST(CpuBf16Gemm, RefusesAGemmLargerThanItsScratch) {
  const Bf16s a = random_bf16(4 * 4, 3);
  Bf16s c(4 * 4);
  cpu::Bf16Gemm gemm(&testing::reference_sbgemm);
  gemm.reserve(4 * 3);
  EXPECT_THROW(gemm(false, 4, 4, 4, 1.0f, a.data(), 4, a.data(), 4, c.data(), 4), std::logic_error);
  gemm.reserve(4 * 4);
  EXPECT_NO_THROW(gemm(false, 4, 4, 4, 1.0f, a.data(), 4, a.data(), 4, c.data(), 4));
}

TEST(CpuBf16Lookup, FindsSbgemmOnlyWhereTheResolverHasIt) {
  std::vector<std::string> asked;
  const cpu::SymbolResolver recording = [&](const char* name) -> void* {
    asked.emplace_back(name);
    return nullptr;
  };
  EXPECT_EQ(cpu::find_sbgemm(recording), nullptr);
  EXPECT_EQ(asked, std::vector<std::string>{"cblas_sbgemm"});
  EXPECT_EQ(cpu::find_sbgemm(testing::reference_blas()), &testing::reference_sbgemm);
}

TEST(CpuBf16Lookup, ResolvesInTheLoadedOpenblas) {
  // The resolver reaches the library the process linked: its sgemm is there.
  EXPECT_NE(cpu::openblas_symbols()("cblas_sgemm"), nullptr);
  EXPECT_NE(cpu::openblas_library_path().find("blas"), std::string::npos) << cpu::openblas_library_path();
  EXPECT_EQ(cpu::openblas_symbols()("flopwall_no_such_symbol"), nullptr);
}

TEST(CpuBf16Device, RefusesBf16WhenOpenblasLacksSbgemm) {
  try {
    make_cpu_device(DType::bf16, 1, testing::blas_without_sbgemm());
    FAIL() << "bf16 accepted without cblas_sbgemm";
  } catch (const UsageError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("--dtype bf16 needs OpenBLAS's bf16 GEMM (cblas_sbgemm)"), std::string::npos) << what;
    EXPECT_NE(what.find("valid: fp32 or fp64 on the cpu backend, or bf16 with an OpenBLAS built with BUILD_BFLOAT16=1"),
              std::string::npos)
        << what;
    EXPECT_EQ(what.find('\n'), std::string::npos) << "one line";
  }
  EXPECT_NE(make_cpu_device(DType::fp32, 1, testing::blas_without_sbgemm()), nullptr);
}

TEST(CpuBf16Device, OtherDtypesNameBf16AmongTheValid) {
  try {
    make_cpu_device(DType::fp16, 1, testing::reference_blas());
    FAIL() << "fp16 accepted";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("valid: fp32, fp64, bf16"), std::string::npos) << e.what();
  }
}

// The whole block stack in bf16 on one rank against fp64, and the device
// naming its GEMM.
TEST(CpuBf16Device, ForwardPassFollowsFp64) {
  const ModelShape shape{.hidden = 64, .heads = 4, .ffn = 128, .layers = 2, .seq = 12, .batch = 2};
  auto forward = [&](DType dtype) {
    const Plan plan = build_transformer_plan(shape, {.world_size = 1, .tp = 1}, 0, dtype);
    auto device = make_cpu_device(dtype, 1, testing::reference_blas());
    device->prepare(plan);
    for (std::size_t i = 0; i < plan.ops.size(); ++i) device->execute(i, std::get<DeviceOp>(plan.ops[i].params));
    return std::pair{device->read_buffer(plan.output), device->description()};
  };
  const auto [bf16, description] = forward(DType::bf16);
  const auto [fp64, ignored] = forward(DType::fp64);
  EXPECT_NE(description.find("GEMM cblas_sbgemm"), std::string::npos) << description;
  double max_abs = 0, max_diff = 0;
  ASSERT_EQ(bf16.size(), fp64.size());
  for (std::size_t i = 0; i < fp64.size(); ++i) {
    ASSERT_TRUE(std::isfinite(bf16[i])) << i;
    max_abs = std::max(max_abs, std::fabs(fp64[i]));
    max_diff = std::max(max_diff, std::fabs(fp64[i] - bf16[i]));
  }
  EXPECT_GT(max_abs, 0.1);
  // Each op rounds its output to 8 significant bits; two blocks of them.
  EXPECT_LE(max_diff, 3e-2 * max_abs) << "max |bf16 − fp64| = " << max_diff;
  EXPECT_GT(max_diff, 0.0) << "bf16 cannot equal fp64 exactly: the bf16 path did not run";
}

// The node-memory check counts the device's fp32 GEMM scratch: for tiny at
// tp 2 the largest product is mlp_up, t·f_l = 128·512 outputs.
TEST(CpuBf16Device, FootprintCountsTheSbgemmScratch) {
  const ParallelLayout layout{.world_size = 2, .tp = 2};
  auto footprint = [&](const char* dtype) {
    RunConfig c = parse_run_options({"--iters", "20", "--dtype", dtype});
    c.backend = "cpu";
    return run_bytes_per_rank(c, layout);
  };
  const auto buffer_bytes = [&](DType d) { return build_transformer_plan(model_preset("tiny"), layout, 0, d).buffer_bytes(); };
  EXPECT_EQ(footprint("fp32") - footprint("bf16"),
            buffer_bytes(DType::fp32) - buffer_bytes(DType::bf16) - 128ULL * 512 * sizeof(float));
}

TEST(CpuBf16Kernels, LayernormMatchesReference) {
  const int64_t rows = 4, cols = 37;
  const Bf16s x = random_bf16(rows * cols, 5, -3.0, 5.0), gamma = random_bf16(cols, 6, 0.5, 1.5),
              beta = random_bf16(cols, 7);
  Bf16s y(rows * cols);
  cpu::layernorm(x.data(), gamma.data(), beta.data(), y.data(), rows, cols);
  std::vector<double> want(rows * cols);
  for (int64_t r = 0; r < rows; ++r) {
    double mean = 0, var = 0;
    for (int64_t c = 0; c < cols; ++c) mean += double(x[r * cols + c]);
    mean /= double(cols);
    for (int64_t c = 0; c < cols; ++c) var += std::pow(double(x[r * cols + c]) - mean, 2);
    const double inv_std = 1.0 / std::sqrt(var / double(cols) + cpu::k_layernorm_eps);
    for (int64_t c = 0; c < cols; ++c)
      want[r * cols + c] = (double(x[r * cols + c]) - mean) * inv_std * double(gamma[c]) + double(beta[c]);
  }
  expect_close(as_double(y), want, k_one_rounding);
}

TEST(CpuBf16Kernels, CausalSoftmaxMatchesReference) {
  const int64_t matrices = 3, seq = 9;
  const Bf16s input = random_bf16(matrices * seq * seq, 8, -4.0, 4.0);
  Bf16s scores = input;
  cpu::causal_softmax(scores.data(), matrices, seq);
  std::vector<double> want(input.size(), 0.0);
  for (int64_t r = 0; r < matrices * seq; ++r) {
    const int64_t i = r % seq;
    double sum = 0;
    for (int64_t j = 0; j <= i; ++j) sum += std::exp(double(input[r * seq + j]));
    for (int64_t j = 0; j <= i; ++j) want[r * seq + j] = std::exp(double(input[r * seq + j])) / sum;
  }
  // Two roundings: the exponential, then the normalised value.
  expect_close(as_double(scores), want, 2 * k_one_rounding, 1e-6);
  for (int64_t r = 0; r < matrices * seq; ++r)
    for (int64_t j = r % seq + 1; j < seq; ++j) EXPECT_EQ(scores[r * seq + j].bits(), 0) << "masked entry";
}

TEST(CpuBf16Kernels, GeluMatchesTanhFormula) {
  Bf16s x = random_bf16(65, 9, -6.0, 6.0);
  const std::vector<double> input = as_double(x);
  cpu::gelu(x.data(), static_cast<int64_t>(x.size()));
  const double c = std::sqrt(2.0 / std::numbers::pi);
  std::vector<double> want(input.size());
  for (std::size_t i = 0; i < input.size(); ++i) {
    const double v = input[i];
    want[i] = 0.5 * v * (1.0 + std::tanh(c * (v + 0.044715 * v * v * v)));
  }
  expect_close(as_double(x), want, k_one_rounding, 1e-3);
}

TEST(CpuBf16Kernels, ResidualAddRoundsTheFloatSum) {
  const Bf16s x = random_bf16(33, 10), y = random_bf16(33, 11);
  Bf16s out(33);
  cpu::residual_add(x.data(), y.data(), out.data(), 33);
  for (std::size_t i = 0; i < out.size(); ++i)
    EXPECT_EQ(out[i].bits(), BFloat16(float(x[i]) + float(y[i])).bits()) << "index " << i;
}

TEST(CpuBf16Kernels, AttentionScoresAndContextMatchPerHeadReference) {
  const int64_t batch = 2, heads = 3, seq = 5, head_dim = 8;
  const int64_t width = heads * head_dim, ld = 3 * width;
  const Bf16s qkv = random_bf16(batch * seq * ld, 12);
  auto at = [&](int64_t b, int64_t row, int64_t block, int64_t j, int64_t d) {
    return double(qkv[(b * seq + row) * ld + block * width + j * head_dim + d]);
  };
  cpu::Bf16Gemm gemm(&testing::reference_sbgemm);
  gemm.reserve(std::max(seq * seq, seq * head_dim));

  Bf16s scores(batch * heads * seq * seq);
  cpu::attention_scores(gemm, qkv.data(), scores.data(), batch, heads, seq, head_dim);
  std::vector<double> want_scores(scores.size());
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t j = 0; j < heads; ++j)
      for (int64_t i = 0; i < seq; ++i)
        for (int64_t t = 0; t < seq; ++t) {
          double dot = 0;
          for (int64_t d = 0; d < head_dim; ++d) dot += at(b, i, 0, j, d) * at(b, t, 1, j, d);
          // The scale 1/sqrt(8) is rounded to float, as the kernel passes it.
          want_scores[((b * heads + j) * seq + i) * seq + t] = dot * double(float(1.0 / std::sqrt(double(head_dim))));
        }
  expect_close(as_double(scores), want_scores, k_one_rounding);

  const Bf16s probs = random_bf16(scores.size(), 13, 0.0, 1.0);
  Bf16s context(batch * seq * width, BFloat16(99.0f));
  cpu::attention_context(gemm, probs.data(), qkv.data(), context.data(), batch, heads, seq, head_dim);
  std::vector<double> want_context(context.size());
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t j = 0; j < heads; ++j)
      for (int64_t i = 0; i < seq; ++i)
        for (int64_t d = 0; d < head_dim; ++d) {
          double acc = 0;
          for (int64_t t = 0; t < seq; ++t) acc += double(probs[((b * heads + j) * seq + i) * seq + t]) * at(b, t, 2, j, d);
          want_context[(b * seq + i) * width + j * head_dim + d] = acc;
        }
  expect_close(as_double(context), want_context, k_one_rounding);
}

}  // namespace
}  // namespace flopwall
