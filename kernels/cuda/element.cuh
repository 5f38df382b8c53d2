#pragma once
// Loads and stores of each storage type as fp32, and the 16-byte packs the
// bandwidth-bound kernels move: one 128-bit transaction per thread and step
// is what it takes to approach HBM bandwidth.
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_fp8.h>

#include <cstdint>
#include <initializer_list>
#include <stdexcept>

#include "kernels/cuda/cuda_kernels.hpp"

namespace flopwall::kernels::cuda::detail {

__device__ __forceinline__ float to_float(float v) { return v; }
__device__ __forceinline__ float to_float(__half v) { return __half2float(v); }
__device__ __forceinline__ float to_float(__nv_bfloat16 v) { return __bfloat162float(v); }
__device__ __forceinline__ float to_float(__nv_fp8_e4m3 v) { return static_cast<float>(v); }

template <class T>
__device__ __forceinline__ T from_float(float v);
template <>
__device__ __forceinline__ float from_float<float>(float v) { return v; }
template <>
__device__ __forceinline__ __half from_float<__half>(float v) { return __float2half_rn(v); }
template <>
__device__ __forceinline__ __nv_bfloat16 from_float<__nv_bfloat16>(float v) { return __float2bfloat16_rn(v); }
template <>
__device__ __forceinline__ __nv_fp8_e4m3 from_float<__nv_fp8_e4m3>(float v) { return __nv_fp8_e4m3(v); }  // saturating

template <class T>
struct alignas(16) Pack {
  static constexpr int k_size = 16 / sizeof(T);
  T v[k_size];
};

// Calls f(T-typed function object) for the runtime element type.
template <class F>
void dispatch(Element t, F&& f) {
  switch (t) {
    case Element::float32: f(float{}); return;
    case Element::half: f(__half{}); return;
    case Element::bfloat16: f(__nv_bfloat16{}); return;
    case Element::fp8_e4m3: f(__nv_fp8_e4m3{}); return;
    default: break;
  }
  throw std::invalid_argument("the CUDA kernels hold float32, half, bfloat16 or fp8_e4m3 buffers only");
}

// Activations are never fp8 (fp8 runs keep them in bf16), so the
// activation kernels are instantiated for the three wider types only.
template <class F>
void dispatch_activation(Element t, F&& f) {
  switch (t) {
    case Element::float32: f(float{}); return;
    case Element::half: f(__half{}); return;
    case Element::bfloat16: f(__nv_bfloat16{}); return;
    default: break;
  }
  throw std::invalid_argument("activations are float32, half or bfloat16 (fp8 is a GEMM operand type)");
}

// Row kernels (layernorm, softmax): one block of k_row_block threads per row.
// Their packed forms keep a row in registers, k_row_packs packs per thread:
// up to 8192 fp16/bf16 or 4096 fp32 elements.
inline constexpr unsigned k_row_block = 256;
inline constexpr int k_row_packs = 4;

// Whether rows of `cols` elements can be read whole as 16-byte packs at these
// bases (each row then starts on a pack too) and fit the packed row kernels.
template <class T>
bool packed_rows(std::int64_t cols, std::initializer_list<const void*> bases) {
  if (cols <= 0 || cols % Pack<T>::k_size != 0 || cols / Pack<T>::k_size > std::int64_t{k_row_block} * k_row_packs)
    return false;
  for (const void* b : bases)
    if (reinterpret_cast<std::uintptr_t>(b) % alignof(Pack<T>) != 0) return false;
  return true;
}

// In a packed row kernel: calls f(k, p) for this thread's packs
// p = threadIdx.x + k·blockDim.x below `limit`. The loop over k unrolls, so
// per-pack arrays indexed by k stay in registers.
template <class F>
__device__ __forceinline__ void for_row_packs(std::int64_t limit, F&& f) {
#pragma unroll
  for (int k = 0; k < k_row_packs; ++k) {
    const std::int64_t p = threadIdx.x + static_cast<std::int64_t>(k) * blockDim.x;
    if (p < limit) f(k, p);
  }
}

// Enough blocks to fill any current GPU several times over, grid-striding past that.
inline unsigned grid_for(std::int64_t work_items, unsigned block) {
  const std::int64_t blocks = (work_items + block - 1) / block;
  return static_cast<unsigned>(blocks < 1 ? 1 : (blocks > 65535 ? 65535 : blocks));
}

void check_launch(const char* kernel);

}  // namespace flopwall::kernels::cuda::detail
