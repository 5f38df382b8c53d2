#include "kernels/cpu/backward.hpp"

#include <cblas.h>

#include <cmath>

#include "kernels/cpu/kernels.hpp"

namespace flopwall::kernels::cpu {
namespace {

CBLAS_TRANSPOSE tr(bool t) { return t ? CblasTrans : CblasNoTrans; }

void blas(bool ta, bool tb, blasint m, blasint n, blasint k, float alpha, const float* a, blasint lda, const float* b,
          blasint ldb, float beta, float* c, blasint ldc) {
  cblas_sgemm(CblasRowMajor, tr(ta), tr(tb), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
void blas(bool ta, bool tb, blasint m, blasint n, blasint k, double alpha, const double* a, blasint lda,
          const double* b, blasint ldb, double beta, double* c, blasint ldc) {
  cblas_dgemm(CblasRowMajor, tr(ta), tr(tb), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

}  // namespace

template <class T>
void gemm_ex(bool trans_a, bool trans_b, std::int64_t m, std::int64_t n, std::int64_t k, T alpha, const T* a,
             std::int64_t lda, const T* b, std::int64_t ldb, T beta, T* c, std::int64_t ldc) {
  blas(trans_a, trans_b, static_cast<blasint>(m), static_cast<blasint>(n), static_cast<blasint>(k), alpha, a,
       static_cast<blasint>(lda), b, static_cast<blasint>(ldb), beta, c, static_cast<blasint>(ldc));
}

// dx = inv_std·(g − mean(g) − x̂·mean(g·x̂)) with g = dy·gamma, x̂ the
// normalised input: the standard layernorm derivative, two passes per row.
template <class T>
void layernorm_backward(const T* x, const T* gamma, const T* dy, T* dx, T* dparams, std::int64_t rows,
                        std::int64_t cols) {
  T* dgamma = dparams;
  T* dbeta = dparams + cols;
  for (std::int64_t c = 0; c < 2 * cols; ++c) dparams[c] = T{0};
  const double n = static_cast<double>(cols);
  for (std::int64_t r = 0; r < rows; ++r) {
    const T* xr = x + r * cols;
    const T* dyr = dy + r * cols;
    T* dxr = dx + r * cols;
    double sum = 0;
    for (std::int64_t c = 0; c < cols; ++c) sum += xr[c];
    const double mean = sum / n;
    double var = 0;
    for (std::int64_t c = 0; c < cols; ++c) var += (xr[c] - mean) * (xr[c] - mean);
    const double inv_std = 1.0 / std::sqrt(var / n + k_layernorm_eps);
    double g_sum = 0, gx_sum = 0;
    for (std::int64_t c = 0; c < cols; ++c) {
      const double xhat = (xr[c] - mean) * inv_std;
      const double g = static_cast<double>(dyr[c]) * gamma[c];
      g_sum += g;
      gx_sum += g * xhat;
      dgamma[c] += static_cast<T>(dyr[c] * xhat);
      dbeta[c] += dyr[c];
    }
    const double g_mean = g_sum / n, gx_mean = gx_sum / n;
    for (std::int64_t c = 0; c < cols; ++c) {
      const double xhat = (xr[c] - mean) * inv_std;
      dxr[c] = static_cast<T>(inv_std * (static_cast<double>(dyr[c]) * gamma[c] - g_mean - xhat * gx_mean));
    }
  }
}

// gelu(v) = v·σ(z), z = 2·sqrt(2/π)·(v + 0.044715·v³) (kernels/cpu/elementwise.cpp),
// so gelu'(v) = σ(z) + v·σ(z)·(1 − σ(z))·dz/dv.
template <class T>
void gelu_backward(const T* x, const T* dy, T* dx, std::int64_t count) {
  constexpr T k2 = T(2 * 0.7978845608028654);
  constexpr T a = T(0.044715);
  for (std::int64_t i = 0; i < count; ++i) {
    const T v = x[i];
    const T s = T(1) / (T(1) + std::exp(-k2 * (v + a * v * v * v)));
    dx[i] = dy[i] * (s + v * s * (T(1) - s) * k2 * (T(1) + T(3) * a * v * v));
  }
}

template <class T>
void causal_softmax_backward(const T* p, const T* dp, T* ds, std::int64_t matrices, std::int64_t seq) {
  for (std::int64_t m = 0; m < matrices; ++m)
    for (std::int64_t i = 0; i < seq; ++i) {
      const std::int64_t row = (m * seq + i) * seq;
      T dot = 0;
      for (std::int64_t j = 0; j <= i; ++j) dot += p[row + j] * dp[row + j];
      for (std::int64_t j = 0; j <= i; ++j) ds[row + j] = p[row + j] * (dp[row + j] - dot);
      for (std::int64_t j = i + 1; j < seq; ++j) ds[row + j] = T{0};
    }
}

// Strided views into the packed QKV layout, as in attention.cpp: one BLAS
// call per (sequence, head) and operand, no copies.
template <class T>
void attention_scores_backward(const T* qkv, const T* dscores, T* dqkv, std::int64_t batch, std::int64_t heads,
                               std::int64_t seq, std::int64_t head_dim) {
  const std::int64_t width = heads * head_dim;
  const std::int64_t ld = 3 * width;
  const T scale = static_cast<T>(1.0 / std::sqrt(static_cast<double>(head_dim)));
  for (std::int64_t b = 0; b < batch; ++b)
    for (std::int64_t j = 0; j < heads; ++j) {
      const std::int64_t off = b * seq * ld + j * head_dim;
      const T* ds = dscores + (b * heads + j) * seq * seq;
      // dQ = scale·dS·K, dK = scale·dSᵀ·Q
      gemm_ex<T>(false, false, seq, head_dim, seq, scale, ds, seq, qkv + off + width, ld, T{0}, dqkv + off, ld);
      gemm_ex<T>(true, false, seq, head_dim, seq, scale, ds, seq, qkv + off, ld, T{0}, dqkv + off + width, ld);
    }
}

template <class T>
void attention_context_backward(const T* scores, const T* qkv, const T* dcontext, T* dscores, T* dqkv,
                                std::int64_t batch, std::int64_t heads, std::int64_t seq, std::int64_t head_dim) {
  const std::int64_t width = heads * head_dim;
  const std::int64_t ld = 3 * width;
  for (std::int64_t b = 0; b < batch; ++b)
    for (std::int64_t j = 0; j < heads; ++j) {
      const std::int64_t v_off = b * seq * ld + 2 * width + j * head_dim;
      const std::int64_t s_off = (b * heads + j) * seq * seq;
      const T* dc = dcontext + b * seq * width + j * head_dim;
      // dP = dC·Vᵀ, dV = Pᵀ·dC
      gemm_ex<T>(false, true, seq, seq, head_dim, T{1}, dc, width, qkv + v_off, ld, T{0}, dscores + s_off, seq);
      gemm_ex<T>(true, false, seq, head_dim, seq, T{1}, scores + s_off, seq, dc, width, T{0}, dqkv + v_off, ld);
    }
}

#define FLOPWALL_BACKWARD_INSTANTIATE(T)                                                                            \
  template void gemm_ex<T>(bool, bool, std::int64_t, std::int64_t, std::int64_t, T, const T*, std::int64_t,         \
                           const T*, std::int64_t, T, T*, std::int64_t);                                            \
  template void layernorm_backward<T>(const T*, const T*, const T*, T*, T*, std::int64_t, std::int64_t);            \
  template void gelu_backward<T>(const T*, const T*, T*, std::int64_t);                                             \
  template void causal_softmax_backward<T>(const T*, const T*, T*, std::int64_t, std::int64_t);                     \
  template void attention_scores_backward<T>(const T*, const T*, T*, std::int64_t, std::int64_t, std::int64_t,      \
                                             std::int64_t);                                                         \
  template void attention_context_backward<T>(const T*, const T*, const T*, T*, T*, std::int64_t, std::int64_t,     \
                                              std::int64_t, std::int64_t);
FLOPWALL_BACKWARD_INSTANTIATE(float)
FLOPWALL_BACKWARD_INSTANTIATE(double)
#undef FLOPWALL_BACKWARD_INSTANTIATE

}  // namespace flopwall::kernels::cpu
