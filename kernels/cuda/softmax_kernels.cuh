#pragma once
// Causal softmax, one block per score row i of a [seq, seq] matrix: the
// causal prefix j ≤ i is read, zeros are written past the diagonal so the row
// is complete for any reader. The packed kernel reads the prefix once as
// 16-byte packs into registers and writes the row once; the general kernel
// (rows that do not split into packs, or exceed the registers) reads the
// prefix three times with scalar loads. Device code only: the launch is in
// softmax.cu; tests/emulated runs both on the CPU.
#include "kernels/cuda/element.cuh"
#include "kernels/cuda/reduce.cuh"

namespace flopwall::kernels::cuda::detail {

template <class T>
__global__ void causal_softmax_kernel(T* scores, std::int64_t seq) {
  __shared__ float scratch[32];
  const std::int64_t row_index = blockIdx.x;  // matrix·seq + i
  const std::int64_t len = row_index % seq + 1;
  T* row = scores + row_index * seq;
  float mx = -FLT_MAX;
  for (std::int64_t j = threadIdx.x; j < len; j += blockDim.x) mx = fmaxf(mx, to_float(row[j]));
  mx = block_reduce<true>(mx, scratch);
  float sum = 0.0f;
  for (std::int64_t j = threadIdx.x; j < len; j += blockDim.x) sum += __expf(to_float(row[j]) - mx);
  const float inv = 1.0f / block_reduce<false>(sum, scratch);
  for (std::int64_t j = threadIdx.x; j < seq; j += blockDim.x)
    row[j] = from_float<T>(j < len ? __expf(to_float(row[j]) - mx) * inv : 0.0f);
}

// Requires packed_rows<T>(seq, scores) (element.cuh).
template <class T>
__global__ void causal_softmax_packed_kernel(T* scores, std::int64_t seq) {
  using P = Pack<T>;
  constexpr int n = P::k_size;
  __shared__ float scratch[32];
  const std::int64_t row_index = blockIdx.x;  // matrix·seq + i
  const std::int64_t len = row_index % seq + 1;
  P* row = reinterpret_cast<P*>(scores + row_index * seq);
  const std::int64_t packs = seq / n;
  const std::int64_t live = (len + n - 1) / n;  // packs holding part of the prefix
  float v[k_row_packs][n] = {};
  float mx = -FLT_MAX;
  for_row_packs(live, [&](int k, std::int64_t p) {
    const P in = row[p];
#pragma unroll
    for (int j = 0; j < n; ++j) {
      v[k][j] = p * n + j < len ? to_float(in.v[j]) : -FLT_MAX;
      mx = fmaxf(mx, v[k][j]);
    }
  });
  mx = block_reduce<true>(mx, scratch);
  float sum = 0.0f;
  for_row_packs(live, [&](int k, std::int64_t p) {
#pragma unroll
    for (int j = 0; j < n; ++j) {
      v[k][j] = p * n + j < len ? __expf(v[k][j] - mx) : 0.0f;
      sum += v[k][j];
    }
  });
  const float inv = 1.0f / block_reduce<false>(sum, scratch);
  for_row_packs(packs, [&](int k, std::int64_t p) {
    P o;
#pragma unroll
    for (int j = 0; j < n; ++j) o.v[j] = from_float<T>(p < live ? v[k][j] * inv : 0.0f);
    row[p] = o;
  });
}

}  // namespace flopwall::kernels::cuda::detail
