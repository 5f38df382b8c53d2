#pragma once
// LayerNorm, one block per row, in two forms. The packed kernel reads each
// row once from HBM as 16-byte packs and keeps it in registers for the mean,
// the centred variance and the output: one read and one write per element,
// what a bandwidth-bound kernel needs. Rows that do not split into whole
// packs, or do not fit in registers, take the general kernel: scalar loads,
// three passes, the later two served by L1/L2. Device code only: the launch
// is in layernorm.cu; tests/emulated runs both on the CPU.
#include "kernels/cuda/element.cuh"
#include "kernels/cuda/reduce.cuh"

namespace flopwall::kernels::cuda::detail {

inline constexpr float k_layernorm_eps = 1e-5f;  // kernels::cpu::k_layernorm_eps

template <class T>
__global__ void layernorm_kernel(const T* x, const T* params, T* y, std::int64_t cols) {
  __shared__ float scratch[32];
  const T* row = x + static_cast<std::int64_t>(blockIdx.x) * cols;
  T* out = y + static_cast<std::int64_t>(blockIdx.x) * cols;
  float sum = 0.0f;
  for (std::int64_t c = threadIdx.x; c < cols; c += blockDim.x) sum += to_float(row[c]);
  const float mean = block_reduce<false>(sum, scratch) / static_cast<float>(cols);
  float var = 0.0f;
  for (std::int64_t c = threadIdx.x; c < cols; c += blockDim.x) {
    const float d = to_float(row[c]) - mean;
    var += d * d;
  }
  const float inv_std = rsqrtf(block_reduce<false>(var, scratch) / static_cast<float>(cols) + k_layernorm_eps);
  for (std::int64_t c = threadIdx.x; c < cols; c += blockDim.x)
    out[c] = from_float<T>((to_float(row[c]) - mean) * inv_std * to_float(params[c]) + to_float(params[cols + c]));
}

// Requires packed_rows<T>(cols, x, params, y) (element.cuh): cols a multiple
// of the pack, at most k_row_block · k_row_packs packs, 16-byte aligned bases.
template <class T>
__global__ void layernorm_packed_kernel(const T* x, const T* params, T* y, std::int64_t cols) {
  using P = Pack<T>;
  constexpr int n = P::k_size;
  __shared__ float scratch[32];
  const std::int64_t packs = cols / n;
  const std::int64_t first = static_cast<std::int64_t>(blockIdx.x) * cols;
  const P* row = reinterpret_cast<const P*>(x + first);
  float v[k_row_packs][n] = {};
  float sum = 0.0f;
  for_row_packs(packs, [&](int k, std::int64_t p) {
    const P in = row[p];
#pragma unroll
    for (int j = 0; j < n; ++j) {
      v[k][j] = to_float(in.v[j]);
      sum += v[k][j];
    }
  });
  const float mean = block_reduce<false>(sum, scratch) / static_cast<float>(cols);
  float var = 0.0f;
  for_row_packs(packs, [&](int k, std::int64_t) {
#pragma unroll
    for (int j = 0; j < n; ++j) {
      const float d = v[k][j] - mean;
      var += d * d;
    }
  });
  const float inv_std = rsqrtf(block_reduce<false>(var, scratch) / static_cast<float>(cols) + k_layernorm_eps);
  const P* gamma = reinterpret_cast<const P*>(params);
  const P* beta = reinterpret_cast<const P*>(params + cols);
  P* out = reinterpret_cast<P*>(y + first);
  for_row_packs(packs, [&](int k, std::int64_t p) {
    const P g = gamma[p], b = beta[p];
    P o;
#pragma unroll
    for (int j = 0; j < n; ++j) o.v[j] = from_float<T>((v[k][j] - mean) * inv_std * to_float(g.v[j]) + to_float(b.v[j]));
    out[p] = o;
  });
}

}  // namespace flopwall::kernels::cuda::detail
