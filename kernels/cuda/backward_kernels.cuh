#pragma once
// The training step's backward kernels (kernels/cpu/backward.hpp is the
// reference for each), computing in fp32 on any activation type:
//   - GELU backward: elementwise, grid-stride;
//   - causal softmax backward: one block per score row, one block reduction;
//   - layernorm backward: one block per row for dx (the row's statistics
//     recomputed from x and kept in a float scratch row), then one thread
//     per column for dgamma and dbeta, summing the rows in order, so the
//     result does not depend on scheduling;
//   - attention backward: one thread per output element of each
//     (sequence, head), reading the packed QKV layout in place. These are
//     plain loops, correct and bounded, not tuned: the GEMMs dominate a
//     training step's time.
// Device code only: the launches are in backward.cu; tests/emulated runs
// every kernel on the CPU.
#include "kernels/cuda/element.cuh"
#include "kernels/cuda/reduce.cuh"

namespace flopwall::kernels::cuda::detail {

inline constexpr float k_backward_layernorm_eps = 1e-5f;  // kernels::cpu::k_layernorm_eps

template <class T>
__global__ void gelu_backward_kernel(const T* x, const T* dy, T* dx, std::int64_t count) {
  const std::int64_t stride = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
  for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < count; i += stride) {
    // gelu(v) = v·σ(z), z = 2·sqrt(2/π)·(v + 0.044715·v³): gelu'(v) = σ + v·σ·(1 − σ)·dz/dv.
    const float v = to_float(x[i]);
    const float k2 = 1.5957691216057308f;
    const float s = 1.0f / (1.0f + __expf(-k2 * (v + 0.044715f * v * v * v)));
    dx[i] = from_float<T>(to_float(dy[i]) * (s + v * s * (1.0f - s) * k2 * (1.0f + 3.0f * 0.044715f * v * v)));
  }
}

// ds_ij = p_ij·(dp_ij − Σ_{k ≤ i} p_ik·dp_ik) for j ≤ i, zero after; ds may be dp.
template <class T>
__global__ void causal_softmax_backward_kernel(const T* p, const T* dp, T* ds, std::int64_t seq) {
  __shared__ float scratch[32];
  const std::int64_t row_index = blockIdx.x;  // matrix·seq + i
  const std::int64_t len = row_index % seq + 1;
  const std::int64_t first = row_index * seq;
  float dot = 0.0f;
  for (std::int64_t j = threadIdx.x; j < len; j += blockDim.x) dot += to_float(p[first + j]) * to_float(dp[first + j]);
  dot = block_reduce<false>(dot, scratch);
  for (std::int64_t j = threadIdx.x; j < seq; j += blockDim.x)
    ds[first + j] = from_float<T>(j < len ? to_float(p[first + j]) * (to_float(dp[first + j]) - dot) : 0.0f);
}

// dx = inv_std·(g − mean(g) − x̂·mean(g·x̂)), g = dy·gamma; stats[2·row] = mean, stats[2·row + 1] = inv_std.
template <class T>
__global__ void layernorm_backward_rows_kernel(const T* x, const T* gamma, const T* dy, T* dx, float* stats,
                                               std::int64_t cols) {
  __shared__ float scratch[32];
  const std::int64_t first = static_cast<std::int64_t>(blockIdx.x) * cols;
  const float n = static_cast<float>(cols);
  float sum = 0.0f;
  for (std::int64_t c = threadIdx.x; c < cols; c += blockDim.x) sum += to_float(x[first + c]);
  const float mean = block_reduce<false>(sum, scratch) / n;
  float var = 0.0f;
  for (std::int64_t c = threadIdx.x; c < cols; c += blockDim.x) {
    const float d = to_float(x[first + c]) - mean;
    var += d * d;
  }
  const float inv_std = rsqrtf(block_reduce<false>(var, scratch) / n + k_backward_layernorm_eps);
  float g_sum = 0.0f, gx_sum = 0.0f;
  for (std::int64_t c = threadIdx.x; c < cols; c += blockDim.x) {
    const float xhat = (to_float(x[first + c]) - mean) * inv_std;
    const float g = to_float(dy[first + c]) * to_float(gamma[c]);
    g_sum += g;
    gx_sum += g * xhat;
  }
  const float g_mean = block_reduce<false>(g_sum, scratch) / n;
  const float gx_mean = block_reduce<false>(gx_sum, scratch) / n;
  for (std::int64_t c = threadIdx.x; c < cols; c += blockDim.x) {
    const float xhat = (to_float(x[first + c]) - mean) * inv_std;
    dx[first + c] = from_float<T>(inv_std * (to_float(dy[first + c]) * to_float(gamma[c]) - g_mean - xhat * gx_mean));
  }
  if (threadIdx.x == 0) {
    stats[2 * static_cast<std::int64_t>(blockIdx.x)] = mean;
    stats[2 * static_cast<std::int64_t>(blockIdx.x) + 1] = inv_std;
  }
}

// dparams = [dgamma | dbeta]: column c sums dy·x̂ and dy over the rows, in row order.
template <class T>
__global__ void layernorm_backward_params_kernel(const T* x, const T* dy, const float* stats, T* dparams,
                                                 std::int64_t rows, std::int64_t cols) {
  const std::int64_t c = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (c >= cols) return;
  float dgamma = 0.0f, dbeta = 0.0f;
  for (std::int64_t r = 0; r < rows; ++r) {
    const float d = to_float(dy[r * cols + c]);
    dgamma += d * (to_float(x[r * cols + c]) - stats[2 * r]) * stats[2 * r + 1];
    dbeta += d;
  }
  dparams[c] = from_float<T>(dgamma);
  dparams[cols + c] = from_float<T>(dbeta);
}

// Per (sequence b, head h) = blockIdx.y, over the packed QKV rows [b·seq + i, 3·width]:
// dQ[i, :] = scale·Σ_j dS[i, j]·K[j, :] and dK[j, :] = scale·Σ_i dS[i, j]·Q[i, :] (full squares, as the
// cpu reference; dS is zero past the diagonal). One thread per element of dQ and of dK.
template <class T>
__global__ void attention_scores_backward_kernel(const T* qkv, const T* dscores, T* dqkv, std::int64_t heads,
                                                 std::int64_t seq, std::int64_t head_dim, float scale) {
  const std::int64_t bh = blockIdx.y, b = bh / heads, h = bh % heads;
  const std::int64_t width = heads * head_dim, ld = 3 * width;
  const std::int64_t e = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;  // over 2·seq·head_dim
  if (e >= 2 * seq * head_dim) return;
  const bool key = e >= seq * head_dim;
  const std::int64_t row = (e % (seq * head_dim)) / head_dim, d = e % head_dim;
  const T* ds = dscores + bh * seq * seq;
  const T* base = qkv + b * seq * ld + h * head_dim + d;
  float acc = 0.0f;
  if (!key)  // dQ[row] = scale·Σ_j dS[row, j]·K[j]
    for (std::int64_t j = 0; j < seq; ++j) acc += to_float(ds[row * seq + j]) * to_float(base[j * ld + width]);
  else  // dK[row] = scale·Σ_i dS[i, row]·Q[i]
    for (std::int64_t i = 0; i < seq; ++i) acc += to_float(ds[i * seq + row]) * to_float(base[i * ld]);
  dqkv[b * seq * ld + row * ld + (key ? width : 0) + h * head_dim + d] = from_float<T>(scale * acc);
}

// dP[i, j] = Σ_d dC[i, d]·V[j, d] (every j, as the cpu reference) and dV[j, :] = Σ_i P[i, j]·dC[i, :].
// One thread per element of dP (seq·seq) and of dV (seq·head_dim).
template <class T>
__global__ void attention_context_backward_kernel(const T* scores, const T* qkv, const T* dcontext, T* dscores,
                                                  T* dqkv, std::int64_t heads, std::int64_t seq,
                                                  std::int64_t head_dim) {
  const std::int64_t bh = blockIdx.y, b = bh / heads, h = bh % heads;
  const std::int64_t width = heads * head_dim, ld = 3 * width;
  const std::int64_t e = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  const T* v = qkv + b * seq * ld + 2 * width + h * head_dim;
  const T* dc = dcontext + b * seq * width + h * head_dim;
  const T* p = scores + bh * seq * seq;
  if (e < seq * seq) {
    const std::int64_t i = e / seq, j = e % seq;
    float acc = 0.0f;
    for (std::int64_t d = 0; d < head_dim; ++d) acc += to_float(dc[i * width + d]) * to_float(v[j * ld + d]);
    dscores[bh * seq * seq + e] = from_float<T>(acc);
  } else if (e < seq * seq + seq * head_dim) {
    const std::int64_t j = (e - seq * seq) / head_dim, d = (e - seq * seq) % head_dim;
    float acc = 0.0f;
    for (std::int64_t i = 0; i < seq; ++i) acc += to_float(p[i * seq + j]) * to_float(dc[i * width + d]);
    dqkv[b * seq * ld + j * ld + 2 * width + h * head_dim + d] = from_float<T>(acc);
  }
}

}  // namespace flopwall::kernels::cuda::detail
