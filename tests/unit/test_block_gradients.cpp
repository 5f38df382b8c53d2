// The training step's gradients on a tiny 1-layer dense block in fp64: the
// block's forward pass composed from the CPU forward kernels and its backward
// pass from the backward kernels, in the order the training plan runs them
// (docs/metrics.md). Loss L = <seed, y> (the training step seeds dL/dy with
// deterministic values instead of a loss op); each parameter group and the
// input are perturbed along a random direction and the central difference of
// L compared with <analytic gradient, direction>, relative error < 1e-5.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "kernels/cpu/backward.hpp"
#include "kernels/cpu/kernels.hpp"

namespace cpu = flopwall::kernels::cpu;
using std::int64_t;
using Vec = std::vector<double>;

namespace {

constexpr int64_t k_b = 2, k_s = 4, k_h = 8, k_heads = 2, k_d = 4, k_f = 16, k_t = k_b * k_s;

Vec random_vec(std::size_t n, unsigned seed, double scale = 1.0) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<double> dist(-scale, scale);
  Vec v(n);
  for (auto& x : v) x = dist(gen);
  return v;
}

double dot(const Vec& a, const Vec& b) {
  double s = 0;
  for (std::size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

// C[m,n] = A[m,k]·B[k,n], and the two backward GEMMs of it.
void gemm(const Vec& a, const Vec& b, Vec& c, int64_t m, int64_t n, int64_t k) {
  cpu::gemm_ex<double>(false, false, m, n, k, 1.0, a.data(), k, b.data(), n, 0.0, c.data(), n);
}
void dgrad(const Vec& dc, const Vec& b, Vec& da, int64_t m, int64_t n, int64_t k) {  // dA = dC·Bᵀ
  cpu::gemm_ex<double>(false, true, m, k, n, 1.0, dc.data(), n, b.data(), n, 0.0, da.data(), k);
}
void wgrad(const Vec& a, const Vec& dc, Vec& db, int64_t m, int64_t n, int64_t k) {  // dB = Aᵀ·dC
  cpu::gemm_ex<double>(true, false, k, n, m, 1.0, a.data(), k, dc.data(), n, 0.0, db.data(), n);
}

struct Params {
  Vec x, ln1, w_qkv, w_out, ln2, w_up, w_down;
};

// The activations backward needs, as the training plan keeps them per layer.
struct Saved {
  Vec n1, qkv, p, ctx, a, n2, h_pre, h_act, y;
};

Saved forward(const Params& p) {
  Saved s{Vec(k_t * k_h), Vec(k_t * 3 * k_h), Vec(k_b * k_heads * k_s * k_s), Vec(k_t * k_h), Vec(k_t * k_h),
          Vec(k_t * k_h), Vec(k_t * k_f), Vec(), Vec(k_t * k_h)};
  cpu::layernorm<double>(p.x.data(), p.ln1.data(), p.ln1.data() + k_h, s.n1.data(), k_t, k_h);
  gemm(s.n1, p.w_qkv, s.qkv, k_t, 3 * k_h, k_h);
  cpu::attention_scores<double>(s.qkv.data(), s.p.data(), k_b, k_heads, k_s, k_d);
  cpu::causal_softmax<double>(s.p.data(), k_b * k_heads, k_s);
  cpu::attention_context<double>(s.p.data(), s.qkv.data(), s.ctx.data(), k_b, k_heads, k_s, k_d);
  Vec proj(k_t * k_h);
  gemm(s.ctx, p.w_out, proj, k_t, k_h, k_h);
  cpu::residual_add<double>(p.x.data(), proj.data(), s.a.data(), k_t * k_h);
  cpu::layernorm<double>(s.a.data(), p.ln2.data(), p.ln2.data() + k_h, s.n2.data(), k_t, k_h);
  gemm(s.n2, p.w_up, s.h_pre, k_t, k_f, k_h);
  s.h_act = s.h_pre;
  cpu::gelu<double>(s.h_act.data(), k_t * k_f);
  gemm(s.h_act, p.w_down, proj, k_t, k_h, k_f);
  cpu::residual_add<double>(s.a.data(), proj.data(), s.y.data(), k_t * k_h);
  return s;
}

Params backward(const Params& p, const Saved& s, const Vec& seed) {
  Params g{Vec(p.x.size()), Vec(p.ln1.size()), Vec(p.w_qkv.size()), Vec(p.w_out.size()), Vec(p.ln2.size()),
           Vec(p.w_up.size()), Vec(p.w_down.size())};
  // y = a + h_act·W_down: the residual passes dy to both branches.
  Vec da = seed;
  wgrad(s.h_act, seed, g.w_down, k_t, k_h, k_f);
  Vec dh(k_t * k_f);
  dgrad(seed, p.w_down, dh, k_t, k_h, k_f);
  cpu::gelu_backward<double>(s.h_pre.data(), dh.data(), dh.data(), k_t * k_f);
  wgrad(s.n2, dh, g.w_up, k_t, k_f, k_h);
  Vec dn(k_t * k_h), dln(k_t * k_h);
  dgrad(dh, p.w_up, dn, k_t, k_f, k_h);
  cpu::layernorm_backward<double>(s.a.data(), p.ln2.data(), dn.data(), dln.data(), g.ln2.data(), k_t, k_h);
  cpu::residual_add<double>(da.data(), dln.data(), da.data(), k_t * k_h);
  // a = x + ctx·W_out
  wgrad(s.ctx, da, g.w_out, k_t, k_h, k_h);
  Vec dctx(k_t * k_h), dp(s.p.size()), dqkv(s.qkv.size());
  dgrad(da, p.w_out, dctx, k_t, k_h, k_h);
  cpu::attention_context_backward<double>(s.p.data(), s.qkv.data(), dctx.data(), dp.data(), dqkv.data(), k_b, k_heads,
                                          k_s, k_d);
  cpu::causal_softmax_backward<double>(s.p.data(), dp.data(), dp.data(), k_b * k_heads, k_s);
  cpu::attention_scores_backward<double>(s.qkv.data(), dp.data(), dqkv.data(), k_b, k_heads, k_s, k_d);
  wgrad(s.n1, dqkv, g.w_qkv, k_t, 3 * k_h, k_h);
  dgrad(dqkv, p.w_qkv, dn, k_t, 3 * k_h, k_h);
  cpu::layernorm_backward<double>(p.x.data(), p.ln1.data(), dn.data(), dln.data(), g.ln1.data(), k_t, k_h);
  cpu::residual_add<double>(da.data(), dln.data(), g.x.data(), k_t * k_h);
  return g;
}

Params make_params() {
  Params p{random_vec(k_t * k_h, 1), random_vec(2 * k_h, 2), random_vec(k_h * 3 * k_h, 3, 0.5),
           random_vec(k_h * k_h, 4, 0.5), random_vec(2 * k_h, 5), random_vec(k_h * k_f, 6, 0.5),
           random_vec(k_f * k_h, 7, 0.5)};
  for (std::int64_t c = 0; c < k_h; ++c) p.ln1[c] += 1.0, p.ln2[c] += 1.0;  // gamma near 1, as initialised
  return p;
}

TEST(BlockGradients, EveryParameterGroupMatchesFiniteDifferences) {
  const Params p = make_params();
  const Vec seed = random_vec(k_t * k_h, 99);
  const Params g = backward(p, forward(p), seed);
  const std::vector<std::pair<const char*, Vec Params::*>> groups = {
      {"input", &Params::x},   {"ln_attn", &Params::ln1}, {"w_qkv", &Params::w_qkv},   {"w_out", &Params::w_out},
      {"ln_mlp", &Params::ln2}, {"w_up", &Params::w_up},  {"w_down", &Params::w_down}};
  unsigned dir_seed = 100;
  for (const auto& [name, member] : groups) {
    const Vec v = random_vec((p.*member).size(), dir_seed++);
    const double eps = 1e-5;
    Params pp = p, pm = p;
    for (std::size_t i = 0; i < v.size(); ++i) {
      (pp.*member)[i] += eps * v[i];
      (pm.*member)[i] -= eps * v[i];
    }
    const double fd = (dot(seed, forward(pp).y) - dot(seed, forward(pm).y)) / (2 * eps);
    const double an = dot(g.*member, v);
    EXPECT_LT(std::abs(an - fd), 1e-5 * std::abs(fd)) << name << ": analytic " << an << " vs finite difference " << fd;
    EXPECT_GT(std::abs(an), 1e-3) << name << ": a vanishing gradient would make the comparison empty";
  }
}

}  // namespace
