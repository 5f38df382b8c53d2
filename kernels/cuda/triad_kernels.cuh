#pragma once
// The STREAM triad on the GPU, a[i] = b[i] + s·c[i] in fp32: 16-byte packs
// over a grid-stride loop (full-width loads and stores, so the DRAM
// transactions are whole sectors), a scalar tail for counts that are not a
// multiple of the pack. Device code only: the launch is in triad.cu, and
// tests/emulated runs it on the CPU against kernels/cpu/triad.hpp.
#include "kernels/cuda/element.cuh"

namespace flopwall::kernels::cuda::detail {

inline constexpr unsigned k_triad_block = 256;

__global__ void triad_kernel(float* a, const float* b, const float* c, float s, std::int64_t count) {
  using P = Pack<float>;
  const std::int64_t packs = count / P::k_size;
  const std::int64_t stride = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
  const std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  for (std::int64_t p = i; p < packs; p += stride) {
    const P x = reinterpret_cast<const P*>(b)[p];
    const P y = reinterpret_cast<const P*>(c)[p];
    P out;
#pragma unroll
    for (int k = 0; k < P::k_size; ++k) out.v[k] = x.v[k] + s * y.v[k];
    reinterpret_cast<P*>(a)[p] = out;
  }
  for (std::int64_t e = packs * P::k_size + i; e < count; e += stride) a[e] = b[e] + s * c[e];
}

}  // namespace flopwall::kernels::cuda::detail
