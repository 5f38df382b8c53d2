#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <random>
#include <vector>

#include "kernels/cpu/kernels.hpp"

namespace cpu = flopwall::kernels::cpu;
using std::int64_t;

namespace {

template <class T>
std::vector<T> random_values(std::size_t count, unsigned seed, double lo = -1.0, double hi = 1.0) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<double> dist(lo, hi);
  std::vector<T> v(count);
  for (auto& x : v) x = static_cast<T>(dist(gen));
  return v;
}

template <class T>
double tolerance() {
  return std::is_same_v<T, float> ? 1e-5 : 1e-12;
}

template <class T>
void expect_close(const std::vector<T>& got, const std::vector<double>& want) {
  ASSERT_EQ(got.size(), want.size());
  const double tol = tolerance<T>();
  for (std::size_t i = 0; i < got.size(); ++i)
    EXPECT_NEAR(static_cast<double>(got[i]), want[i], tol * std::max(1.0, std::fabs(want[i]))) << "index " << i;
}

template <class T>
std::vector<double> as_double(const std::vector<T>& v) {
  return {v.begin(), v.end()};
}

}  // namespace

template <class T>
class CpuKernels : public ::testing::Test {};
using Types = ::testing::Types<float, double>;
TYPED_TEST_SUITE(CpuKernels, Types);

TYPED_TEST(CpuKernels, GemmMatchesNaiveProduct) {
  using T = TypeParam;
  const int64_t m = 7, n = 5, k = 3;
  const double alpha = 1.5;
  const auto a = random_values<T>(m * k, 1);
  const auto b = random_values<T>(k * n, 2);
  std::vector<T> c(m * n, T(42));
  cpu::gemm<T>(false, m, n, k, T(alpha), a.data(), k, b.data(), n, c.data(), n);

  std::vector<double> want(m * n, 0.0);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      for (int64_t p = 0; p < k; ++p) want[i * n + j] += double(a[i * k + p]) * double(b[p * n + j]);
      want[i * n + j] *= alpha;
    }
  expect_close(c, want);
}

TYPED_TEST(CpuKernels, GemmTransposedBWithPaddedLeadingDimensions) {
  using T = TypeParam;
  const int64_t m = 7, n = 5, k = 3;
  const int64_t lda = k + 2, ldb = k + 1, ldc = n + 3;
  const auto a = random_values<T>(m * lda, 3);
  const auto b = random_values<T>(n * ldb, 4);
  const T sentinel = T(-7);
  std::vector<T> c(m * ldc, sentinel);
  cpu::gemm<T>(true, m, n, k, T(1), a.data(), lda, b.data(), ldb, c.data(), ldc);

  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      double want = 0.0;
      for (int64_t p = 0; p < k; ++p) want += double(a[i * lda + p]) * double(b[j * ldb + p]);
      EXPECT_NEAR(double(c[i * ldc + j]), want, tolerance<T>() * std::max(1.0, std::fabs(want)));
    }
    for (int64_t j = n; j < ldc; ++j) EXPECT_EQ(c[i * ldc + j], sentinel) << "padding overwritten";
  }
}

TYPED_TEST(CpuKernels, LayernormMatchesReference) {
  using T = TypeParam;
  const int64_t rows = 4, cols = 7;
  const auto x = random_values<T>(rows * cols, 5, -3.0, 5.0);
  const auto gamma = random_values<T>(cols, 6, 0.5, 1.5);
  const auto beta = random_values<T>(cols, 7);
  std::vector<T> y(rows * cols);
  cpu::layernorm<T>(x.data(), gamma.data(), beta.data(), y.data(), rows, cols);

  std::vector<double> want(rows * cols);
  for (int64_t r = 0; r < rows; ++r) {
    double mean = 0.0, var = 0.0;
    for (int64_t c = 0; c < cols; ++c) mean += double(x[r * cols + c]);
    mean /= double(cols);
    for (int64_t c = 0; c < cols; ++c) var += std::pow(double(x[r * cols + c]) - mean, 2);
    var /= double(cols);
    const double inv_std = 1.0 / std::sqrt(var + cpu::k_layernorm_eps);
    for (int64_t c = 0; c < cols; ++c)
      want[r * cols + c] = (double(x[r * cols + c]) - mean) * inv_std * double(gamma[c]) + double(beta[c]);
  }
  expect_close(y, want);
}

TYPED_TEST(CpuKernels, CausalSoftmaxMatchesReference) {
  using T = TypeParam;
  const int64_t matrices = 3, seq = 5;
  const auto input = random_values<T>(matrices * seq * seq, 8, -4.0, 4.0);
  auto scores = input;
  cpu::causal_softmax<T>(scores.data(), matrices, seq);

  std::vector<double> want(input.size(), 0.0);
  for (int64_t r = 0; r < matrices * seq; ++r) {
    const int64_t i = r % seq;
    double sum = 0.0;
    for (int64_t j = 0; j <= i; ++j) sum += std::exp(double(input[r * seq + j]));
    for (int64_t j = 0; j <= i; ++j) want[r * seq + j] = std::exp(double(input[r * seq + j])) / sum;
  }
  expect_close(scores, want);

  for (int64_t r = 0; r < matrices * seq; ++r) {
    const int64_t i = r % seq;
    double row_sum = 0.0;
    for (int64_t j = 0; j < seq; ++j) row_sum += double(scores[r * seq + j]);
    EXPECT_NEAR(row_sum, 1.0, tolerance<T>()) << "row " << r;
    for (int64_t j = i + 1; j < seq; ++j) EXPECT_EQ(scores[r * seq + j], T(0)) << "row " << r << " col " << j;
  }
}

TYPED_TEST(CpuKernels, GeluMatchesTanhFormula) {
  using T = TypeParam;
  auto x = random_values<T>(33, 9, -6.0, 6.0);
  x.push_back(T(0));
  const auto input = as_double(x);
  cpu::gelu<T>(x.data(), static_cast<int64_t>(x.size()));

  const double c = std::sqrt(2.0 / std::numbers::pi);
  std::vector<double> want(input.size());
  for (std::size_t i = 0; i < input.size(); ++i) {
    const double v = input[i];
    want[i] = 0.5 * v * (1.0 + std::tanh(c * (v + 0.044715 * v * v * v)));
  }
  expect_close(x, want);
}

TYPED_TEST(CpuKernels, ResidualAddIsElementwiseSum) {
  using T = TypeParam;
  const auto x = random_values<T>(17, 10);
  const auto y = random_values<T>(17, 11);
  std::vector<T> out(17);
  cpu::residual_add<T>(x.data(), y.data(), out.data(), 17);
  for (std::size_t i = 0; i < out.size(); ++i) EXPECT_EQ(out[i], T(x[i] + y[i])) << "index " << i;
}

TYPED_TEST(CpuKernels, AttentionScoresAndContextMatchPerHeadReference) {
  using T = TypeParam;
  const int64_t batch = 2, heads = 3, seq = 5, head_dim = 4;
  const int64_t width = heads * head_dim, ld = 3 * width;
  const auto qkv = random_values<T>(batch * seq * ld, 12);
  auto at = [&](int64_t b, int64_t row, int64_t block, int64_t j, int64_t d) {
    return double(qkv[(b * seq + row) * ld + block * width + j * head_dim + d]);
  };

  std::vector<T> scores(batch * heads * seq * seq);
  cpu::attention_scores<T>(qkv.data(), scores.data(), batch, heads, seq, head_dim);
  std::vector<double> want_scores(scores.size());
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t j = 0; j < heads; ++j)
      for (int64_t i = 0; i < seq; ++i)
        for (int64_t t = 0; t < seq; ++t) {
          double dot = 0.0;
          for (int64_t d = 0; d < head_dim; ++d) dot += at(b, i, 0, j, d) * at(b, t, 1, j, d);
          want_scores[((b * heads + j) * seq + i) * seq + t] = dot / std::sqrt(double(head_dim));
        }
  expect_close(scores, want_scores);

  const auto probs = random_values<T>(scores.size(), 13, 0.0, 1.0);
  std::vector<T> context(batch * seq * width, T(99));
  cpu::attention_context<T>(probs.data(), qkv.data(), context.data(), batch, heads, seq, head_dim);
  std::vector<double> want_context(context.size());
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t j = 0; j < heads; ++j)
      for (int64_t i = 0; i < seq; ++i)
        for (int64_t d = 0; d < head_dim; ++d) {
          double acc = 0.0;
          for (int64_t t = 0; t < seq; ++t)
            acc += double(probs[((b * heads + j) * seq + i) * seq + t]) * at(b, t, 2, j, d);
          want_context[(b * seq + i) * width + j * head_dim + d] = acc;
        }
  expect_close(context, want_context);
}
