// LayerNorm, one block per row. The row is read three times (mean, centred
// variance, output), but only the first read comes from HBM: rows of a few
// thousand elements stay in L1/L2 between passes.
#include "kernels/cuda/element.cuh"
#include "kernels/cuda/reduce.cuh"

namespace flopwall::kernels::cuda {
namespace {
using namespace detail;

constexpr float k_eps = 1e-5f;  // kernels::cpu::k_layernorm_eps
constexpr unsigned k_block = 256;

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
  const float inv_std = rsqrtf(block_reduce<false>(var, scratch) / static_cast<float>(cols) + k_eps);
  for (std::int64_t c = threadIdx.x; c < cols; c += blockDim.x)
    out[c] = from_float<T>((to_float(row[c]) - mean) * inv_std * to_float(params[c]) + to_float(params[cols + c]));
}

}  // namespace

void layernorm(Element t, const void* x, const void* params, void* y, std::int64_t rows, std::int64_t cols,
               cudaStream_t stream) {
  dispatch_activation(t, [&](auto tag) {
    using T = decltype(tag);
    layernorm_kernel<T><<<static_cast<unsigned>(rows), k_block, 0, stream>>>(
        static_cast<const T*>(x), static_cast<const T*>(params), static_cast<T*>(y), cols);
  });
  check_launch("layernorm");
}

}  // namespace flopwall::kernels::cuda
