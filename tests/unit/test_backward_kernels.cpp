// Every backward kernel against a naive reference: the transposed GEMM
// against a triple loop, the others against central finite differences of
// their forward kernel (fp64), which is the derivative by definition.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <functional>
#include <random>
#include <vector>

#include "kernels/cpu/backward.hpp"
#include "kernels/cpu/kernels.hpp"

namespace cpu = flopwall::kernels::cpu;
using std::int64_t;
using Vec = std::vector<double>;

namespace {

Vec random_vec(std::size_t n, unsigned seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<double> dist(-1.0, 1.0);
  Vec v(n);
  for (auto& x : v) x = dist(gen);
  return v;
}

double dot(const Vec& a, const Vec& b) {
  double s = 0;
  for (std::size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

// For L(x) = <w, f(x)>: the directional derivative along a random v by
// central differences, against <grad, v> from the backward kernel.
void expect_directional(const std::function<Vec(const Vec&)>& f, const Vec& x, const Vec& w, const Vec& grad,
                        unsigned seed) {
  const Vec v = random_vec(x.size(), seed);
  const double eps = 1e-5;
  Vec xp = x, xm = x;
  for (std::size_t i = 0; i < x.size(); ++i) {
    xp[i] += eps * v[i];
    xm[i] -= eps * v[i];
  }
  const double fd = (dot(w, f(xp)) - dot(w, f(xm))) / (2 * eps);
  const double an = dot(grad, v);
  EXPECT_NEAR(an, fd, 1e-7 * std::max(1.0, std::abs(fd))) << "analytic " << an << " vs finite difference " << fd;
}

TEST(BackwardKernels, GemmExMatchesNaiveForEveryTranspose) {
  const int64_t m = 5, n = 7, k = 3;
  for (bool ta : {false, true})
    for (bool tb : {false, true}) {
      const Vec a = random_vec(m * k, 1), b = random_vec(k * n, 2);
      Vec c = random_vec(m * n, 3);
      const Vec c0 = c;
      const int64_t lda = ta ? m : k, ldb = tb ? k : n;
      cpu::gemm_ex<double>(ta, tb, m, n, k, 2.0, a.data(), lda, b.data(), ldb, 0.5, c.data(), n);
      for (int64_t i = 0; i < m; ++i)
        for (int64_t j = 0; j < n; ++j) {
          double s = 0;
          for (int64_t p = 0; p < k; ++p) s += (ta ? a[p * m + i] : a[i * k + p]) * (tb ? b[j * k + p] : b[p * n + j]);
          EXPECT_NEAR(c[i * n + j], 2.0 * s + 0.5 * c0[i * n + j], 1e-12) << ta << tb << " " << i << "," << j;
        }
    }
}

TEST(BackwardKernels, LayerNormBackwardMatchesFiniteDifferences) {
  const int64_t rows = 3, cols = 6;
  const Vec x = random_vec(rows * cols, 4), params = random_vec(2 * cols, 5), w = random_vec(rows * cols, 6);
  Vec dx(x.size()), dparams(params.size());
  cpu::layernorm_backward<double>(x.data(), params.data(), w.data(), dx.data(), dparams.data(), rows, cols);
  auto f_x = [&](const Vec& xv) {
    Vec y(xv.size());
    cpu::layernorm<double>(xv.data(), params.data(), params.data() + cols, y.data(), rows, cols);
    return y;
  };
  auto f_p = [&](const Vec& pv) {
    Vec y(x.size());
    cpu::layernorm<double>(x.data(), pv.data(), pv.data() + cols, y.data(), rows, cols);
    return y;
  };
  expect_directional(f_x, x, w, dx, 7);
  expect_directional(f_p, params, w, dparams, 8);
}

TEST(BackwardKernels, GeluBackwardMatchesFiniteDifferences) {
  Vec x = random_vec(40, 9);
  for (auto& v : x) v *= 4;  // both tails and the middle of the curve
  const Vec w = random_vec(x.size(), 10);
  Vec dx(x.size());
  cpu::gelu_backward<double>(x.data(), w.data(), dx.data(), static_cast<int64_t>(x.size()));
  auto f = [&](const Vec& xv) {
    Vec y = xv;
    cpu::gelu<double>(y.data(), static_cast<int64_t>(y.size()));
    return y;
  };
  expect_directional(f, x, w, dx, 11);
}

TEST(BackwardKernels, CausalSoftmaxBackwardMatchesFiniteDifferences) {
  const int64_t matrices = 2, seq = 5;
  const Vec s = random_vec(matrices * seq * seq, 12), w = random_vec(s.size(), 13);
  Vec p = s;
  cpu::causal_softmax<double>(p.data(), matrices, seq);
  Vec ds = w;  // in place: ds aliases dp
  cpu::causal_softmax_backward<double>(p.data(), ds.data(), ds.data(), matrices, seq);
  auto f = [&](const Vec& sv) {
    Vec y = sv;
    cpu::causal_softmax<double>(y.data(), matrices, seq);
    return y;
  };
  expect_directional(f, s, w, ds, 14);
  for (int64_t i = 0; i < seq; ++i)
    for (int64_t j = i + 1; j < seq; ++j) EXPECT_EQ(ds[i * seq + j], 0.0);
}

TEST(BackwardKernels, AttentionBackwardMatchesFiniteDifferences) {
  const int64_t batch = 2, heads = 2, seq = 3, d = 4, width = heads * d;
  const Vec qkv = random_vec(batch * seq * 3 * width, 15);
  const Vec p_raw = random_vec(batch * heads * seq * seq, 16);
  const Vec w_scores = random_vec(p_raw.size(), 17), w_ctx = random_vec(batch * seq * width, 18);

  // scores: dQ and dK land in the Q and K blocks; V's block must stay as it was.
  Vec dqkv(qkv.size(), 0.0);
  cpu::attention_scores_backward<double>(qkv.data(), w_scores.data(), dqkv.data(), batch, heads, seq, d);
  auto f_scores = [&](const Vec& q) {
    Vec s(p_raw.size());
    cpu::attention_scores<double>(q.data(), s.data(), batch, heads, seq, d);
    return s;
  };
  expect_directional(f_scores, qkv, w_scores, dqkv, 19);

  // context: dP and dV; the Q and K blocks of dqkv are not written.
  Vec dp(p_raw.size()), dqkv_v(qkv.size(), 0.0);
  cpu::attention_context_backward<double>(p_raw.data(), qkv.data(), w_ctx.data(), dp.data(), dqkv_v.data(), batch,
                                          heads, seq, d);
  auto f_ctx_p = [&](const Vec& pv) {
    Vec c(w_ctx.size());
    cpu::attention_context<double>(pv.data(), qkv.data(), c.data(), batch, heads, seq, d);
    return c;
  };
  auto f_ctx_v = [&](const Vec& q) {
    Vec c(w_ctx.size());
    cpu::attention_context<double>(p_raw.data(), q.data(), c.data(), batch, heads, seq, d);
    return c;
  };
  expect_directional(f_ctx_p, p_raw, w_ctx, dp, 20);
  expect_directional(f_ctx_v, qkv, w_ctx, dqkv_v, 21);
}

}  // namespace
