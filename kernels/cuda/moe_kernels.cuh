#pragma once
// The MoE layer's memory-bound kernels: the router's top-k, the row gather
// of the token permutes, and the gate-weighted combine. Device code only;
// tests/emulated runs them against kernels/cpu/moe.cpp; moe.cu launches them.
#include "kernels/cuda/element.cuh"

namespace flopwall::kernels::cuda::detail {

inline constexpr unsigned k_moe_block = 256;
inline constexpr int k_moe_max_topk = 16;  // a register list per row

// One thread per row: an insertion into a sorted k-list in registers (k and
// the expert count are small: the logits row is a few cache lines).
template <class T>
__global__ void topk_kernel(const T* logits, T* out, std::int64_t rows, std::int64_t cols, int k) {
  const std::int64_t stride = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
  for (std::int64_t r = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; r < rows; r += stride) {
    float value[k_moe_max_topk];
    std::int64_t column[k_moe_max_topk];
    int filled = 0;
    const T* row = logits + r * cols;
    for (std::int64_t c = 0; c < cols; ++c) {
      const float v = to_float(row[c]);
      if (filled == k && !(v > value[k - 1])) continue;
      int at = filled < k ? filled++ : k - 1;
      while (at > 0 && v > value[at - 1]) {
        value[at] = value[at - 1];
        column[at] = column[at - 1];
        --at;
      }
      value[at] = v;
      column[at] = c;
    }
    T* o = out + r * 2 * k;
    for (int j = 0; j < k; ++j) {
      o[j] = from_float<T>(value[j]);
      o[k + j] = from_float<T>(static_cast<float>(column[j]));
    }
  }
}

// One block per output row (grid-stride over rows), its threads over the columns.
template <class T>
__global__ void gather_rows_kernel(const T* src, T* dst, const std::int64_t* index, std::int64_t count,
                                   std::int64_t cols) {
  for (std::int64_t i = blockIdx.x; i < count; i += gridDim.x) {
    const T* s = src + index[i] * cols;
    T* d = dst + i * cols;
    for (std::int64_t c = threadIdx.x; c < cols; c += blockDim.x) d[c] = s[c];
  }
}

// One block per token: out[t, :] = Σ_j weights[j] · src[slots[j], :], summed in fp32.
template <class T>
__global__ void combine_kernel(const T* src, T* out, const std::int64_t* offsets, const std::int64_t* slots,
                               const float* weights, std::int64_t tokens, std::int64_t cols) {
  for (std::int64_t t = blockIdx.x; t < tokens; t += gridDim.x) {
    for (std::int64_t c = threadIdx.x; c < cols; c += blockDim.x) {
      float acc = 0.0f;
      for (std::int64_t j = offsets[t]; j < offsets[t + 1]; ++j) acc += weights[j] * to_float(src[slots[j] * cols + c]);
      out[t * cols + c] = from_float<T>(acc);
    }
  }
}

}  // namespace flopwall::kernels::cuda::detail
