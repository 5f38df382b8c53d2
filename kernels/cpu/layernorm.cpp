#include <cmath>

#include "kernels/cpu/kernels.hpp"

namespace flopwall::kernels::cpu {

// Two passes over a row that stays in cache: mean, then centred variance
// (more stable than E[x²]−E[x]² when the mean is large). The reductions are
// `omp simd` (compiled with -fopenmp-simd, no threads): vector partial sums
// in the element type, which keeps the passes at SIMD speed; a row of a few
// thousand values loses nothing measurable against a double accumulator.
// bf16 storage computes in float (C) and rounds once, on the store.
template <class T>
void layernorm(const T* x, const T* gamma, const T* beta, T* y, std::int64_t rows, std::int64_t cols) {
  using C = compute_t<T>;
  for (std::int64_t r = 0; r < rows; ++r) {
    const T* xr = x + r * cols;
    T* yr = y + r * cols;
    C sum = 0;
#pragma omp simd reduction(+ : sum)
    for (std::int64_t c = 0; c < cols; ++c) sum += C(xr[c]);
    const C mean = sum / static_cast<C>(cols);
    C var = 0;
#pragma omp simd reduction(+ : var)
    for (std::int64_t c = 0; c < cols; ++c) {
      const C dv = C(xr[c]) - mean;
      var += dv * dv;
    }
    const C inv_std = static_cast<C>(1.0 / std::sqrt(static_cast<double>(var) / static_cast<double>(cols) + k_layernorm_eps));
#pragma omp simd
    for (std::int64_t c = 0; c < cols; ++c) yr[c] = T((C(xr[c]) - mean) * inv_std * C(gamma[c]) + C(beta[c]));
  }
}

template void layernorm<float>(const float*, const float*, const float*, float*, std::int64_t, std::int64_t);
template void layernorm<double>(const double*, const double*, const double*, double*, std::int64_t,
                                std::int64_t);
template void layernorm<BFloat16>(const BFloat16*, const BFloat16*, const BFloat16*, BFloat16*, std::int64_t,
                                  std::int64_t);

}  // namespace flopwall::kernels::cpu
