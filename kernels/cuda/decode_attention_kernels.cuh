#pragma once
// Serve mode's attention over the KV cache, and the write of new keys and
// values into it. One block of k_cache_warps warps per (request, query,
// head): warp w takes positions w, w + k_cache_warps, ... with an online
// softmax of its own (running max, sum and context), its lanes splitting
// head_dim, so each position is one coalesced read of K and of V; the warps'
// states are merged at the end through shared memory. A decode step (one
// query per request) reads the cache once: it is bandwidth-bound, like the
// CPU kernel (kernels/cpu/decode_attention.cpp) it is checked against.
// Device code only: launches in decode_attention.cu; tests/emulated runs these.
#include <cfloat>

#include "kernels/cuda/element.cuh"
#include "kernels/cuda/reduce.cuh"

namespace flopwall::kernels::cuda::detail {

inline constexpr int k_cache_warps = 4;
inline constexpr int k_max_cache_head_dim = 256;  // 8 context values per lane, in registers
inline constexpr int k_dims_per_lane = k_max_cache_head_dim / 32;

// cache[r·cache_len + start + i, :] = qkv[r·tokens + i, width : 3·width]
template <class T>
__global__ void kv_write_kernel(const T* qkv, T* cache, std::int64_t rows, std::int64_t tokens, std::int64_t start,
                                std::int64_t cache_len, std::int64_t width) {
  const std::int64_t per_row = 2 * width, total = rows * per_row;
  for (std::int64_t x = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; x < total;
       x += static_cast<std::int64_t>(gridDim.x) * blockDim.x) {
    const std::int64_t row = x / per_row, col = x % per_row, r = row / tokens, i = row % tokens;
    cache[(r * cache_len + start + i) * per_row + col] = qkv[row * 3 * width + width + col];
  }
}

// Grid: x = heads, y = tokens, z = requests; block: k_cache_warps × 32 threads.
template <class T>
__global__ void cached_attention_kernel(const T* qkv, const T* cache, T* context, int heads, std::int64_t tokens,
                                        std::int64_t start, std::int64_t cache_len, int head_dim, float scale) {
  const int head = blockIdx.x;
  const std::int64_t i = blockIdx.y, r = blockIdx.z;
  const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
  const std::int64_t width = static_cast<std::int64_t>(heads) * head_dim;
  const T* q = qkv + (r * tokens + i) * 3 * width + static_cast<std::int64_t>(head) * head_dim;
  const T* kv = cache + r * cache_len * 2 * width + static_cast<std::int64_t>(head) * head_dim;
  float qv[k_dims_per_lane], acc[k_dims_per_lane];
#pragma unroll
  for (int k = 0; k < k_dims_per_lane; ++k) {
    const int x = lane + 32 * k;
    qv[k] = x < head_dim ? to_float(q[x]) * scale : 0.0f;
    acc[k] = 0.0f;
  }
  float running_max = -FLT_MAX, running_sum = 0.0f;
  for (std::int64_t p = warp; p <= start + i; p += k_cache_warps) {
    const T* key = kv + p * 2 * width;
    const T* value = key + width;
    float s = 0.0f;
#pragma unroll
    for (int k = 0; k < k_dims_per_lane; ++k) {
      const int x = lane + 32 * k;
      if (x < head_dim) s += qv[k] * to_float(key[x]);
    }
    s = warp_sum(s);
    const float m = fmaxf(running_max, s);
    const float old = __expf(running_max - m), w = __expf(s - m);
    running_sum = running_sum * old + w;
#pragma unroll
    for (int k = 0; k < k_dims_per_lane; ++k) {
      const int x = lane + 32 * k;
      if (x < head_dim) acc[k] = acc[k] * old + w * to_float(value[x]);
    }
    running_max = m;
  }
  // Merge the warps' states: rescale each to the largest maximum.
  __shared__ float maxes[k_cache_warps], sums[k_cache_warps];
  __shared__ float parts[k_cache_warps][k_max_cache_head_dim];
  if (lane == 0) {
    maxes[warp] = running_max;
    sums[warp] = running_sum;
  }
#pragma unroll
  for (int k = 0; k < k_dims_per_lane; ++k) parts[warp][lane + 32 * k] = acc[k];
  __syncthreads();
  if (warp == 0) {
    float m = -FLT_MAX;
    for (int w = 0; w < k_cache_warps; ++w) m = fmaxf(m, maxes[w]);
    float total = 0.0f;
    for (int w = 0; w < k_cache_warps; ++w) total += sums[w] * __expf(maxes[w] - m);
    T* out = context + (r * tokens + i) * width + static_cast<std::int64_t>(head) * head_dim;
#pragma unroll
    for (int k = 0; k < k_dims_per_lane; ++k) {
      const int x = lane + 32 * k;
      if (x >= head_dim) continue;
      float v = 0.0f;
      for (int w = 0; w < k_cache_warps; ++w) v += parts[w][x] * __expf(maxes[w] - m);
      out[x] = from_float<T>(v / total);
    }
  }
}

}  // namespace flopwall::kernels::cuda::detail
