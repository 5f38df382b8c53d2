// Launches of the elementwise kernels (elementwise_kernels.cuh), and the
// launch check every kernel file shares.
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "kernels/cuda/elementwise_kernels.cuh"

namespace flopwall::kernels::cuda {
namespace detail {

void check_launch(const char* kernel) {
  const cudaError_t err = cudaGetLastError();
  if (err != cudaSuccess) throw std::runtime_error(std::string(kernel) + " launch failed: " + cudaGetErrorString(err));
}

}  // namespace detail

namespace {
using namespace detail;
constexpr unsigned k_block = k_elementwise_block;
}  // namespace

void gelu(Element t, void* x, std::int64_t count, cudaStream_t stream) {
  dispatch_activation(t, [&](auto tag) {
    using T = decltype(tag);
    gelu_kernel<T><<<grid_for(count / Pack<T>::k_size + 1, k_block), k_block, 0, stream>>>(static_cast<T*>(x), count);
  });
  check_launch("gelu");
}

void residual_add(Element t, const void* x, const void* y, void* out, std::int64_t count, cudaStream_t stream) {
  dispatch_activation(t, [&](auto tag) {
    using T = decltype(tag);
    residual_kernel<T><<<grid_for(count / Pack<T>::k_size + 1, k_block), k_block, 0, stream>>>(
        static_cast<const T*>(x), static_cast<const T*>(y), static_cast<T*>(out), count);
  });
  check_launch("residual_add");
}

void convert(Element from, const void* in, Element to, void* out, std::int64_t count, cudaStream_t stream) {
  dispatch(from, [&](auto from_tag) {
    dispatch(to, [&](auto to_tag) {
      using F = decltype(from_tag);
      using T = decltype(to_tag);
      constexpr int n = k_convert_lanes<F, T>;
      const bool aligned = reinterpret_cast<std::uintptr_t>(in) % alignof(Lanes<F, n>) == 0 &&
                           reinterpret_cast<std::uintptr_t>(out) % alignof(Lanes<T, n>) == 0;
      if (aligned)
        convert_kernel<F, T><<<grid_for(count / n + 1, k_block), k_block, 0, stream>>>(static_cast<const F*>(in),
                                                                                       static_cast<T*>(out), count);
      else
        convert_scalar_kernel<F, T><<<grid_for(count, k_block), k_block, 0, stream>>>(static_cast<const F*>(in),
                                                                                      static_cast<T*>(out), count);
    });
  });
  check_launch("convert");
}

}  // namespace flopwall::kernels::cuda
