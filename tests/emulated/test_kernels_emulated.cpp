// The project's CUDA kernels, run unchanged on the SIMT emulator (simt.hpp),
// against the CPU references in double precision. Inputs are rounded to the
// kernel's element type first, so a tolerance bounds the kernel's own error.
// This runs in CI, which has no GPU; tests/gpu runs the same comparisons on
// a real device.
#include "tests/emulated/simt.hpp"  // first: it redefines the CUDA keywords

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "kernels/cpu/backward.hpp"
#include "kernels/cpu/kernels.hpp"
#include "tests/common/expect_close.hpp"
#include "kernels/cuda/attention_kernels.cuh"
#include "kernels/cuda/backward_kernels.cuh"
#include "kernels/cuda/decode_attention_kernels.cuh"
#include "kernels/cuda/elementwise_kernels.cuh"
#include "kernels/cuda/layernorm_kernels.cuh"
#include "kernels/cuda/moe_kernels.cuh"
#include "kernels/cuda/softmax_kernels.cuh"

namespace flopwall {
namespace {

namespace cpu = kernels::cpu;
using namespace kernels::cuda::detail;
using std::int64_t;

template <class T>
double tolerance() {
  if constexpr (std::is_same_v<T, float>) return 1e-4;
  if constexpr (std::is_same_v<T, __half>) return 3e-3;
  return 2e-2;  // bf16
}

// Values rounded to T, kept both ways: T for the kernel, double for the reference.
template <class T>
struct Rounded {
  std::vector<T> device;
  std::vector<double> exact;
};

template <class T>
Rounded<T> random_rounded(int64_t count, unsigned seed, double lo, double hi) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<double> dist(lo, hi);
  Rounded<T> r;
  // Exact capacity: AddressSanitizer then flags a read one element past the end.
  r.device.reserve(static_cast<std::size_t>(count));
  r.exact.reserve(static_cast<std::size_t>(count));
  for (int64_t i = 0; i < count; ++i) {
    r.device.push_back(from_float<T>(static_cast<float>(dist(gen))));
    r.exact.push_back(to_float(r.device.back()));
  }
  return r;
}

template <class T>
std::vector<double> widened(const std::vector<T>& v) {
  std::vector<double> out;
  for (const T& x : v) out.push_back(to_float(x));
  return out;
}

template <class T>
class EmulatedKernels : public ::testing::Test {};
using Activations = ::testing::Types<float, __half, __nv_bfloat16>;
TYPED_TEST_SUITE(EmulatedKernels, Activations);

template <class T>
void check_layernorm(int64_t rows, int64_t cols, bool packed) {
  SCOPED_TRACE(::testing::Message() << rows << " x " << cols << (packed ? " packed" : " general"));
  const Rounded<T> x = random_rounded<T>(rows * cols, 11, -3.0, 5.0);
  Rounded<T> params = random_rounded<T>(cols, 12, 0.5, 1.5);
  const Rounded<T> beta = random_rounded<T>(cols, 13, -1.0, 1.0);
  params.device.insert(params.device.end(), beta.device.begin(), beta.device.end());
  params.exact.insert(params.exact.end(), beta.exact.begin(), beta.exact.end());
  std::vector<T> y(static_cast<std::size_t>(rows * cols));
  ASSERT_EQ(packed_rows<T>(cols, {x.device.data(), params.device.data(), y.data()}), packed)
      << "the launcher would pick the other kernel for this shape";
  simt::launch(dim3(static_cast<unsigned>(rows)), dim3(k_row_block),
               packed ? layernorm_packed_kernel<T> : layernorm_kernel<T>, x.device.data(), params.device.data(),
               y.data(), cols);
  std::vector<double> want(y.size());
  cpu::layernorm<double>(x.exact.data(), params.exact.data(), params.exact.data() + cols, want.data(), rows, cols);
  expect_close(widened(y), want, tolerance<T>());
}

TYPED_TEST(EmulatedKernels, LayernormMatchesCpu) {
  using T = TypeParam;
  constexpr int64_t pack = Pack<T>::k_size;
  check_layernorm<T>(3, 37, false);                      // no whole packs: general kernel
  check_layernorm<T>(2, pack * 125, true);               // fewer packs than threads
  check_layernorm<T>(2, pack * 256 * 3, true);           // three packs per thread
  check_layernorm<T>(1, pack * 256 * k_row_packs, true);  // the register limit
  check_layernorm<T>(1, pack * (256 * k_row_packs + 1), false);  // one pack past it
}

// `threads` per block: the kernels are written for any block size, and a
// smaller one reaches "more packs than threads" with a far shorter row (every
// row is a block, so the emulator's work grows with seq²).
template <class T>
void check_softmax(int64_t matrices, int64_t seq, bool packed, unsigned threads = k_row_block) {
  SCOPED_TRACE(::testing::Message() << matrices << " matrices of seq " << seq << (packed ? " packed" : " general")
                                    << ", " << threads << " threads");
  Rounded<T> s = random_rounded<T>(matrices * seq * seq, 21, -4.0, 4.0);
  ASSERT_EQ(packed_rows<T>(seq, {s.device.data()}), packed);
  simt::launch(dim3(static_cast<unsigned>(matrices * seq)), dim3(threads),
               packed ? causal_softmax_packed_kernel<T> : causal_softmax_kernel<T>, s.device.data(), seq);
  cpu::causal_softmax<double>(s.exact.data(), matrices, seq);
  const std::vector<double> got = widened(s.device);
  expect_close(got, s.exact, tolerance<T>(), 1e-3);
  int64_t nonzero = 0;
  for (int64_t m = 0; m < matrices; ++m)
    for (int64_t i = 0; i < seq; ++i)
      for (int64_t j = i + 1; j < seq; ++j) nonzero += got[static_cast<std::size_t>((m * seq + i) * seq + j)] != 0.0;
  EXPECT_EQ(nonzero, 0) << "entries past the diagonal must be exact zeros";
}

TYPED_TEST(EmulatedKernels, CausalSoftmaxMatchesCpu) {
  using T = TypeParam;
  constexpr int64_t pack = Pack<T>::k_size;
  check_softmax<T>(3, 37, false);
  check_softmax<T>(2, pack * 5, true);  // partial packs at each row's diagonal
  check_softmax<T>(1, pack * (64 + 3), true, 64);  // rows of more packs than threads
  check_softmax<T>(1, 64 * 3 + 1, false, 64);  // the general kernel: rows longer than the block
}

TYPED_TEST(EmulatedKernels, GeluAndResidualCoverPacksTailsAndGridStride) {
  using T = TypeParam;
  for (const int64_t count : {int64_t{1}, int64_t{5}, int64_t{4099}, int64_t{20011}}) {
    SCOPED_TRACE(count);
    Rounded<T> x = random_rounded<T>(count, 31, -6.0, 6.0);
    const Rounded<T> y = random_rounded<T>(count, 32, -2.0, 2.0);
    // Two small blocks, so the grid-stride loops and the scalar tail both run.
    std::vector<T> sum(static_cast<std::size_t>(count));
    simt::launch(dim3(2), dim3(64), residual_kernel<T>, static_cast<const T*>(x.device.data()),
                 static_cast<const T*>(y.device.data()), sum.data(), count);
    std::vector<double> want_sum(sum.size());
    cpu::residual_add<double>(x.exact.data(), y.exact.data(), want_sum.data(), count);
    expect_close(widened(sum), want_sum, tolerance<T>());

    simt::launch(dim3(2), dim3(64), gelu_kernel<T>, x.device.data(), count);
    cpu::gelu<double>(x.exact.data(), count);
    expect_close(widened(x.device), x.exact, tolerance<T>(), 1e-2);
  }
}

TYPED_TEST(EmulatedKernels, AttentionMatchesCpuOnPartialTiles) {
  using T = TypeParam;
  // seq and head_dim not multiples of the 32-wide tile; two heads, two batches.
  const int64_t batch = 2, heads = 2, seq = 45, head_dim = 40, width = heads * head_dim;
  const Rounded<T> qkv = random_rounded<T>(batch * seq * 3 * width, 41, -1.0, 1.0);
  std::vector<T> scores(static_cast<std::size_t>(batch * heads * seq * seq), from_float<T>(0.0f));
  simt::launch(dim3(tiles(seq), tiles(seq), static_cast<unsigned>(batch * heads)), tile_block(),
               attention_scores_kernel<T>, qkv.device.data(), scores.data(), static_cast<int>(heads),
               static_cast<int>(seq), static_cast<int>(head_dim), 1.0f / std::sqrt(static_cast<float>(head_dim)));
  std::vector<double> want(scores.size());
  cpu::attention_scores<double>(qkv.exact.data(), want.data(), batch, heads, seq, head_dim);
  std::vector<double> got_causal, want_causal;
  const std::vector<double> got = widened(scores);
  for (int64_t m = 0; m < batch * heads; ++m)
    for (int64_t i = 0; i < seq; ++i)
      for (int64_t j = 0; j <= i; ++j) {
        got_causal.push_back(got[static_cast<std::size_t>((m * seq + i) * seq + j)]);
        want_causal.push_back(want[static_cast<std::size_t>((m * seq + i) * seq + j)]);
      }
  expect_close(got_causal, want_causal, tolerance<T>());

  // Context from a softmaxed P whose upper triangle is poisoned: the kernel
  // must mask it, never read it into the sum.
  Rounded<T> p = random_rounded<T>(batch * heads * seq * seq, 42, -2.0, 2.0);
  cpu::causal_softmax<double>(p.exact.data(), batch * heads, seq);
  for (std::size_t i = 0; i < p.exact.size(); ++i)
    p.device[i] = from_float<T>(p.exact[i] == 0.0 ? 1e4f : static_cast<float>(p.exact[i]));
  p.exact = widened(p.device);
  for (int64_t m = 0; m < batch * heads; ++m)
    for (int64_t i = 0; i < seq; ++i)
      for (int64_t j = i + 1; j < seq; ++j) p.exact[static_cast<std::size_t>((m * seq + i) * seq + j)] = 0.0;
  std::vector<T> context(static_cast<std::size_t>(batch * seq * width));
  simt::launch(dim3(tiles(seq), tiles(head_dim), static_cast<unsigned>(batch * heads)), tile_block(),
               attention_context_kernel<T>, static_cast<const T*>(p.device.data()), qkv.device.data(), context.data(),
               static_cast<int>(heads), static_cast<int>(seq), static_cast<int>(head_dim));
  std::vector<double> want_context(context.size());
  cpu::attention_context<double>(p.exact.data(), qkv.exact.data(), want_context.data(), batch, heads, seq, head_dim);
  expect_close(widened(context), want_context, tolerance<T>());
}

// A share of the largest |want| under which errors are absolute: sums of
// products of either sign cancel, so a relative bound near zero is noise.
double floor_of(const std::vector<double>& want) {
  double m = 0;
  for (const double w : want) m = std::max(m, std::fabs(w));
  return 0.05 * m;
}

// The training step's backward kernels against kernels/cpu/backward.cpp in double.
TYPED_TEST(EmulatedKernels, BackwardElementwiseAndSoftmaxMatchCpu) {
  using T = TypeParam;
  for (const int64_t count : {int64_t{1}, int64_t{4099}}) {
    const Rounded<T> x = random_rounded<T>(count, 51, -5.0, 5.0), dy = random_rounded<T>(count, 52, -1.0, 1.0);
    std::vector<T> dx(static_cast<std::size_t>(count));
    simt::launch(dim3(2), dim3(64), gelu_backward_kernel<T>, x.device.data(), dy.device.data(), dx.data(), count);
    std::vector<double> want(dx.size());
    cpu::gelu_backward<double>(x.exact.data(), dy.exact.data(), want.data(), count);
    expect_close(widened(dx), want, tolerance<T>(), 0.1);
  }
  // Rows longer and shorter than the block; ds written over dp, as the plan does.
  for (const auto& [matrices, seq] : {std::pair<int64_t, int64_t>{3, 37}, {1, 64 * 3 + 1}}) {
    Rounded<T> p = random_rounded<T>(matrices * seq * seq, 53, -2.0, 2.0);
    cpu::causal_softmax<double>(p.exact.data(), matrices, seq);
    for (std::size_t i = 0; i < p.exact.size(); ++i) p.device[i] = from_float<T>(static_cast<float>(p.exact[i]));
    p.exact = widened(p.device);
    Rounded<T> dp = random_rounded<T>(matrices * seq * seq, 54, -1.0, 1.0);
    std::vector<double> want(dp.exact.size());
    cpu::causal_softmax_backward<double>(p.exact.data(), dp.exact.data(), want.data(), matrices, seq);
    simt::launch(dim3(static_cast<unsigned>(matrices * seq)), dim3(64), causal_softmax_backward_kernel<T>,
                 static_cast<const T*>(p.device.data()), static_cast<const T*>(dp.device.data()), dp.device.data(), seq);
    expect_close(widened(dp.device), want, tolerance<T>(), floor_of(want));
  }
}

TYPED_TEST(EmulatedKernels, LayernormBackwardMatchesCpu) {
  using T = TypeParam;
  for (const auto& [rows, cols] : {std::pair<int64_t, int64_t>{5, 37}, {3, 64 * 5 + 3}}) {
    SCOPED_TRACE(::testing::Message() << rows << " x " << cols);
    const Rounded<T> x = random_rounded<T>(rows * cols, 61, -3.0, 5.0);
    const Rounded<T> gamma = random_rounded<T>(cols, 62, 0.5, 1.5);
    const Rounded<T> dy = random_rounded<T>(rows * cols, 63, -1.0, 1.0);
    std::vector<T> dx(static_cast<std::size_t>(rows * cols)), dparams(static_cast<std::size_t>(2 * cols));
    std::vector<float> stats(static_cast<std::size_t>(2 * rows));
    simt::launch(dim3(static_cast<unsigned>(rows)), dim3(64), layernorm_backward_rows_kernel<T>, x.device.data(),
                 gamma.device.data(), dy.device.data(), dx.data(), stats.data(), cols);
    simt::launch(dim3(static_cast<unsigned>((cols + 63) / 64)), dim3(64), layernorm_backward_params_kernel<T>,
                 x.device.data(), dy.device.data(), static_cast<const float*>(stats.data()), dparams.data(), rows, cols);
    std::vector<double> want_dx(dx.size()), want_dparams(dparams.size());
    cpu::layernorm_backward<double>(x.exact.data(), gamma.exact.data(), dy.exact.data(), want_dx.data(),
                                    want_dparams.data(), rows, cols);
    expect_close(widened(dx), want_dx, tolerance<T>(), floor_of(want_dx));
    expect_close(widened(dparams), want_dparams, tolerance<T>(), floor_of(want_dparams));
  }
}

TYPED_TEST(EmulatedKernels, AttentionBackwardMatchesCpu) {
  using T = TypeParam;
  const int64_t batch = 2, heads = 2, seq = 13, head_dim = 6, width = heads * head_dim;
  const Rounded<T> qkv = random_rounded<T>(batch * seq * 3 * width, 71, -1.0, 1.0);
  Rounded<T> p = random_rounded<T>(batch * heads * seq * seq, 72, -2.0, 2.0);
  cpu::causal_softmax<double>(p.exact.data(), batch * heads, seq);
  for (std::size_t i = 0; i < p.exact.size(); ++i) p.device[i] = from_float<T>(static_cast<float>(p.exact[i]));
  p.exact = widened(p.device);
  const Rounded<T> dcontext = random_rounded<T>(batch * seq * width, 73, -1.0, 1.0);
  const Rounded<T> dscores_in = random_rounded<T>(batch * heads * seq * seq, 74, -1.0, 1.0);
  // dP and dV.
  std::vector<T> dscores(p.device.size()), dqkv(qkv.device.size(), from_float<T>(0.0f));
  simt::launch(dim3(static_cast<unsigned>((seq * seq + seq * head_dim + 63) / 64), static_cast<unsigned>(batch * heads)),
               dim3(64), attention_context_backward_kernel<T>, static_cast<const T*>(p.device.data()),
               qkv.device.data(), dcontext.device.data(), dscores.data(), dqkv.data(), heads, seq, head_dim);
  std::vector<double> want_ds(dscores.size()), want_dqkv(dqkv.size(), 0.0);
  cpu::attention_context_backward<double>(p.exact.data(), qkv.exact.data(), dcontext.exact.data(), want_ds.data(),
                                          want_dqkv.data(), batch, heads, seq, head_dim);
  expect_close(widened(dscores), want_ds, tolerance<T>(), floor_of(want_ds));
  // dQ and dK into the same dqkv, beside the dV block.
  simt::launch(dim3(static_cast<unsigned>((2 * seq * head_dim + 63) / 64), static_cast<unsigned>(batch * heads)),
               dim3(64), attention_scores_backward_kernel<T>, qkv.device.data(), dscores_in.device.data(),
               dqkv.data(), heads, seq, head_dim, 1.0f / std::sqrt(static_cast<float>(head_dim)));
  cpu::attention_scores_backward<double>(qkv.exact.data(), dscores_in.exact.data(), want_dqkv.data(), batch, heads,
                                         seq, head_dim);
  expect_close(widened(dqkv), want_dqkv, tolerance<T>(), floor_of(want_dqkv));
}

// Serve mode: the new tokens' K | V written into the cache, then attention
// over it, at several cache lengths (one query: a decode step; several: a
// prefill after a prefix-cache hit), against the CPU kernels in double.
TYPED_TEST(EmulatedKernels, CachedAttentionMatchesCpuAtSeveralCacheLengths) {
  using T = TypeParam;
  const int64_t requests = 2, heads = 2, head_dim = 40, width = heads * head_dim;
  for (const auto& [len, tokens] : {std::pair<int64_t, int64_t>{1, 1}, {5, 1}, {37, 1}, {37, 4}, {130, 3}}) {
    const int64_t start = len - tokens;
    const Rounded<T> qkv = random_rounded<T>(requests * tokens * 3 * width, 51, -1.0, 1.0);
    Rounded<T> cache = random_rounded<T>(requests * len * 2 * width, 52, -1.0, 1.0);
    const int64_t rows = requests * tokens;
    simt::launch(dim3(3), dim3(64), kv_write_kernel<T>, qkv.device.data(), cache.device.data(), rows, tokens, start,
                 len, width);
    cpu::kv_write<double>(qkv.exact.data(), cache.exact.data(), requests, tokens, start, len, width);
    ASSERT_EQ(widened(cache.device), cache.exact) << "len " << len;
    std::vector<T> context(static_cast<std::size_t>(rows * width), from_float<T>(0.0f));
    simt::launch(dim3(static_cast<unsigned>(heads), static_cast<unsigned>(tokens), static_cast<unsigned>(requests)),
                 dim3(k_cache_warps * 32), cached_attention_kernel<T>, qkv.device.data(),
                 static_cast<const T*>(cache.device.data()), context.data(), static_cast<int>(heads), tokens, start,
                 len, static_cast<int>(head_dim), 1.0f / std::sqrt(static_cast<float>(head_dim)));
    std::vector<double> want(context.size());
    cpu::cached_attention<double>(qkv.exact.data(), cache.exact.data(), want.data(), requests, heads, tokens, start,
                                  len, head_dim);
    expect_close(widened(context), want, tolerance<T>());
  }
}

TEST(EmulatedConvert, Fp8CastRoundsAndSaturatesInPacksAndTails) {
  const int64_t count = 1003;  // 125 packs of 8 and a tail of 3
  const Rounded<__nv_bfloat16> in = random_rounded<__nv_bfloat16>(count, 51, -600.0, 600.0);
  std::vector<__nv_fp8_e4m3> packed(static_cast<std::size_t>(count)), scalar(packed.size());
  simt::launch(dim3(2), dim3(32), convert_kernel<__nv_bfloat16, __nv_fp8_e4m3>, in.device.data(), packed.data(),
               count);
  simt::launch(dim3(3), dim3(32), convert_scalar_kernel<__nv_bfloat16, __nv_fp8_e4m3>, in.device.data(),
               scalar.data(), count);
  for (std::size_t i = 0; i < packed.size(); ++i) {
    const double got = static_cast<float>(packed[i]), want = std::clamp(in.exact[i], -448.0, 448.0);
    ASSERT_EQ(got, static_cast<double>(static_cast<float>(scalar[i]))) << "packed and scalar paths differ at " << i;
    // e4m3 keeps 3 mantissa bits: round to nearest is within 1/16 relative (normals).
    ASSERT_LE(std::fabs(got - want), std::max(std::fabs(want) / 16.0, 1.0 / 512.0)) << "element " << i;
  }
}

// MoE: top-k (values and columns), the row gather and the combine, for
// fp32, fp16 and bf16 (fp8 is a GEMM operand type only: these read and
// write activations).
template <class T>
void check_moe_kernels() {
  const int64_t rows = 37, experts = 8, k = 3, cols = 20;
  const Rounded<T> logits = random_rounded<T>(rows * experts, 11, -2.0, 2.0);
  std::vector<T> topk(static_cast<std::size_t>(rows * 2 * k));
  simt::launch(dim3(2), dim3(16), topk_kernel<T>, logits.device.data(), topk.data(), rows, experts, static_cast<int>(k));
  std::vector<double> want(topk.size());
  cpu::topk_rows<double>(logits.exact.data(), want.data(), rows, experts, k);
  for (std::size_t i = 0; i < topk.size(); ++i) EXPECT_EQ(to_float(topk[i]), want[i]) << "top-k element " << i;

  const Rounded<T> src = random_rounded<T>(rows * cols, 12, -1.0, 1.0);
  const std::vector<int64_t> index{5, 0, 36, 5, 17, 2};
  std::vector<T> gathered(index.size() * static_cast<std::size_t>(cols));
  simt::launch(dim3(4), dim3(8), gather_rows_kernel<T>, src.device.data(), gathered.data(), index.data(),
               static_cast<int64_t>(index.size()), cols);
  std::vector<double> gathered_want(gathered.size());
  cpu::gather_rows<double>(src.exact.data(), gathered_want.data(), index.data(), static_cast<int64_t>(index.size()), cols);
  for (std::size_t i = 0; i < gathered.size(); ++i) EXPECT_EQ(to_float(gathered[i]), gathered_want[i]) << i;

  // Tokens with two, one and no kept choices.
  const std::vector<int64_t> offsets{0, 2, 3, 3, 5}, slots{4, 1, 30, 7, 7};
  const std::vector<double> weights{0.7, 0.3, 1.0, 0.25, 0.75};
  const std::vector<float> weights_f(weights.begin(), weights.end());
  const int64_t tokens = 4;
  std::vector<T> combined(static_cast<std::size_t>(tokens * cols), from_float<T>(9.0f));
  simt::launch(dim3(3), dim3(8), combine_kernel<T>, src.device.data(), combined.data(), offsets.data(), slots.data(),
               weights_f.data(), tokens, cols);
  std::vector<double> combined_want(combined.size());
  cpu::moe_combine<double>(src.exact.data(), combined_want.data(), offsets.data(), slots.data(), weights.data(), tokens,
                           cols);
  for (std::size_t i = 0; i < combined.size(); ++i)
    EXPECT_NEAR(to_float(combined[i]), combined_want[i], tolerance<T>()) << "combine element " << i;
}

TEST(EmulatedMoe, Fp32MatchesCpu) { check_moe_kernels<float>(); }
TEST(EmulatedMoe, Fp16MatchesCpu) { check_moe_kernels<__half>(); }
TEST(EmulatedMoe, Bf16MatchesCpu) { check_moe_kernels<__nv_bfloat16>(); }

}  // namespace
}  // namespace flopwall
