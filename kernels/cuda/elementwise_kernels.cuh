#pragma once
// Bandwidth-bound elementwise kernels: GELU, residual add, type conversion.
// Each thread moves 16-byte packs over a grid-stride loop; a scalar tail
// covers counts that are not a multiple of the pack. Device code only: the
// launches are in elementwise.cu, and tests/emulated runs these on the CPU.
#include "kernels/cuda/element.cuh"

namespace flopwall::kernels::cuda::detail {

inline constexpr unsigned k_elementwise_block = 256;

__device__ __forceinline__ float gelu_value(float v) {
  // 0.5·v·(1 + tanh(u)) = v·sigmoid(2u), u = sqrt(2/π)(v + 0.044715v³)
  const float u2 = 1.5957691216057308f * (v + 0.044715f * v * v * v);
  return v / (1.0f + __expf(-u2));
}

template <class T>
__global__ void gelu_kernel(T* x, std::int64_t count) {
  using P = Pack<T>;
  const std::int64_t packs = count / P::k_size;
  const std::int64_t stride = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
  std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  for (std::int64_t p = i; p < packs; p += stride) {
    P v = reinterpret_cast<P*>(x)[p];
#pragma unroll
    for (int k = 0; k < P::k_size; ++k) v.v[k] = from_float<T>(gelu_value(to_float(v.v[k])));
    reinterpret_cast<P*>(x)[p] = v;
  }
  for (std::int64_t e = packs * P::k_size + i; e < count; e += stride) x[e] = from_float<T>(gelu_value(to_float(x[e])));
}

template <class T>
__global__ void residual_kernel(const T* x, const T* y, T* out, std::int64_t count) {
  using P = Pack<T>;
  const std::int64_t packs = count / P::k_size;
  const std::int64_t stride = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
  std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  for (std::int64_t p = i; p < packs; p += stride) {
    const P a = reinterpret_cast<const P*>(x)[p];
    const P b = reinterpret_cast<const P*>(y)[p];
    P o;
#pragma unroll
    for (int k = 0; k < P::k_size; ++k) o.v[k] = from_float<T>(to_float(a.v[k]) + to_float(b.v[k]));
    reinterpret_cast<P*>(out)[p] = o;
  }
  for (std::int64_t e = packs * P::k_size + i; e < count; e += stride)
    out[e] = from_float<T>(to_float(x[e]) + to_float(y[e]));
}

// The wider side moves 16 bytes per thread and step (bf16 → e4m3: 8
// elements, 16 bytes in, 8 out); the narrower side follows.
template <class From, class To>
constexpr int k_convert_lanes = 16 / (sizeof(From) > sizeof(To) ? sizeof(From) : sizeof(To));

template <class E, int N>
struct alignas(N * sizeof(E)) Lanes {
  E v[N];
};

template <class From, class To>
__global__ void convert_kernel(const From* in, To* out, std::int64_t count) {
  constexpr int n = k_convert_lanes<From, To>;
  const std::int64_t packs = count / n;
  const std::int64_t stride = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
  const std::int64_t first = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  for (std::int64_t p = first; p < packs; p += stride) {
    const Lanes<From, n> a = reinterpret_cast<const Lanes<From, n>*>(in)[p];
    Lanes<To, n> b;
#pragma unroll
    for (int k = 0; k < n; ++k) b.v[k] = from_float<To>(to_float(a.v[k]));
    reinterpret_cast<Lanes<To, n>*>(out)[p] = b;
  }
  for (std::int64_t e = packs * n + first; e < count; e += stride) out[e] = from_float<To>(to_float(in[e]));
}

// Pointers off the packs' alignment (never from cudaMalloc, but possible): one element per step.
template <class From, class To>
__global__ void convert_scalar_kernel(const From* in, To* out, std::int64_t count) {
  const std::int64_t stride = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
  for (std::int64_t e = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; e < count; e += stride)
    out[e] = from_float<To>(to_float(in[e]));
}

}  // namespace flopwall::kernels::cuda::detail
