#pragma once
// Causal attention in two tiled kernels around the softmax. 32×32 output
// tiles per block of 32×8 threads (4 outputs each); operands are staged
// through shared memory in fp32 with one column of padding so that the
// column-wise reads of the K and V tiles hit 32 different banks. Tiles that
// lie wholly above the diagonal are never computed or read: the causal half
// of the work, as the model FLOPs count it. Device code only: the launches
// are in attention.cu; tests/emulated runs these on the CPU.
#include "kernels/cuda/element.cuh"

namespace flopwall::kernels::cuda::detail {

inline constexpr int k_tile = 32;
inline constexpr int k_rows_per_thread = 4;  // 32 rows / 8 thread rows

// scores[(b·H + h)·s + i, j] = scale · Σ_d Q[b, i, h, d] · K[b, j, h, d]
template <class T>
__global__ void attention_scores_kernel(const T* qkv, T* scores, int heads, int seq, int head_dim, float scale) {
  const int i0 = blockIdx.x * k_tile, j0 = blockIdx.y * k_tile;
  if (j0 > i0 + k_tile - 1) return;  // wholly above the diagonal
  const int bh = blockIdx.z, b = bh / heads, h = bh % heads;
  const std::int64_t width = static_cast<std::int64_t>(heads) * head_dim, ld = 3 * width;
  const T* q = qkv + static_cast<std::int64_t>(b) * seq * ld + static_cast<std::int64_t>(h) * head_dim;
  const T* k = q + width;
  __shared__ float qs[k_tile][k_tile + 1];
  __shared__ float ks[k_tile][k_tile + 1];
  const int tx = threadIdx.x, ty = threadIdx.y;
  float acc[k_rows_per_thread] = {};
  for (int d0 = 0; d0 < head_dim; d0 += k_tile) {
    for (int r = ty; r < k_tile; r += blockDim.y) {
      const int d = d0 + tx;
      const bool in_d = d < head_dim;
      qs[r][tx] = (in_d && i0 + r < seq) ? to_float(q[(i0 + r) * ld + d]) : 0.0f;
      ks[r][tx] = (in_d && j0 + r < seq) ? to_float(k[(j0 + r) * ld + d]) : 0.0f;
    }
    __syncthreads();
#pragma unroll 8
    for (int dd = 0; dd < k_tile; ++dd) {
      const float kv = ks[tx][dd];
#pragma unroll
      for (int m = 0; m < k_rows_per_thread; ++m) acc[m] += qs[ty + m * 8][dd] * kv;
    }
    __syncthreads();
  }
  T* out = scores + static_cast<std::int64_t>(bh) * seq * seq;
  const int j = j0 + tx;
#pragma unroll
  for (int m = 0; m < k_rows_per_thread; ++m) {
    const int i = i0 + ty + m * 8;
    if (i < seq && j < seq) out[static_cast<std::int64_t>(i) * seq + j] = from_float<T>(acc[m] * scale);
  }
}

// context[b·s + i, h·d + dd] = Σ_{j ≤ i} P[(b·H + h)·s + i, j] · V[b, j, h, dd]
template <class T>
__global__ void attention_context_kernel(const T* scores, const T* qkv, T* context, int heads, int seq,
                                         int head_dim) {
  const int i0 = blockIdx.x * k_tile, d0 = blockIdx.y * k_tile;
  const int bh = blockIdx.z, b = bh / heads, h = bh % heads;
  const std::int64_t width = static_cast<std::int64_t>(heads) * head_dim, ld = 3 * width;
  const T* p = scores + static_cast<std::int64_t>(bh) * seq * seq;
  const T* v = qkv + static_cast<std::int64_t>(b) * seq * ld + 2 * width + static_cast<std::int64_t>(h) * head_dim;
  __shared__ float ps[k_tile][k_tile + 1];
  __shared__ float vs[k_tile][k_tile + 1];
  const int tx = threadIdx.x, ty = threadIdx.y;
  float acc[k_rows_per_thread] = {};
  const int last_j = min(seq, i0 + k_tile);  // causal: no row of this tile reads past its own index
  for (int j0 = 0; j0 < last_j; j0 += k_tile) {
    for (int r = ty; r < k_tile; r += blockDim.y) {
      const int i = i0 + r, j = j0 + tx;
      // P is zero above the diagonal; mask instead of reading it.
      ps[r][tx] = (i < seq && j <= i) ? to_float(p[static_cast<std::int64_t>(i) * seq + j]) : 0.0f;
      const int jr = j0 + r, d = d0 + tx;
      vs[r][tx] = (jr < seq && d < head_dim) ? to_float(v[jr * ld + d]) : 0.0f;
    }
    __syncthreads();
#pragma unroll 8
    for (int jj = 0; jj < k_tile; ++jj) {
      const float vv = vs[jj][tx];
#pragma unroll
      for (int m = 0; m < k_rows_per_thread; ++m) acc[m] += ps[ty + m * 8][jj] * vv;
    }
    __syncthreads();
  }
  const int d = d0 + tx;
#pragma unroll
  for (int m = 0; m < k_rows_per_thread; ++m) {
    const int i = i0 + ty + m * 8;
    if (i < seq && d < head_dim)
      context[(static_cast<std::int64_t>(b) * seq + i) * width + static_cast<std::int64_t>(h) * head_dim + d] =
          from_float<T>(acc[m]);
  }
}

inline dim3 tile_block() { return dim3(k_tile, k_tile / k_rows_per_thread); }
inline unsigned tiles(std::int64_t n) { return static_cast<unsigned>((n + k_tile - 1) / k_tile); }

}  // namespace flopwall::kernels::cuda::detail
