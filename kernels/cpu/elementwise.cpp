#include <cmath>

#include "kernels/cpu/kernels.hpp"

namespace flopwall::kernels::cpu {

// 0.5·v·(1 + tanh(u)) = v · sigmoid(2u): one exp instead of a tanh, which
// is several times cheaper in libm and keeps the kernel near memory speed.
// bf16 storage computes in float (C) and rounds on the store.
template <class T>
void gelu(T* x, std::int64_t count) {
  using C = compute_t<T>;
  constexpr C k_two_sqrt_2_over_pi = C(2 * 0.7978845608028654);
  constexpr C k_cubic = C(0.044715);
  for (std::int64_t i = 0; i < count; ++i) {
    const C v = C(x[i]);
    x[i] = T(v / (C(1) + std::exp(-k_two_sqrt_2_over_pi * (v + k_cubic * v * v * v))));
  }
}

template <class T>
void residual_add(const T* x, const T* y, T* out, std::int64_t count) {
  using C = compute_t<T>;
#pragma omp simd
  for (std::int64_t i = 0; i < count; ++i) out[i] = T(C(x[i]) + C(y[i]));
}

template void gelu<float>(float*, std::int64_t);
template void gelu<double>(double*, std::int64_t);
template void residual_add<float>(const float*, const float*, float*, std::int64_t);
template void residual_add<double>(const double*, const double*, double*, std::int64_t);
template void gelu<BFloat16>(BFloat16*, std::int64_t);
template void residual_add<BFloat16>(const BFloat16*, const BFloat16*, BFloat16*, std::int64_t);

}  // namespace flopwall::kernels::cpu
