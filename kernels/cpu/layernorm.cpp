#include <cmath>

#include "kernels/cpu/kernels.hpp"

namespace flopwall::kernels::cpu {

// Two passes over a row that stays in cache: mean, then centred variance
// (more stable than E[x²]−E[x]² when the mean is large).
template <class T>
void layernorm(const T* x, const T* gamma, const T* beta, T* y, std::int64_t rows, std::int64_t cols) {
  for (std::int64_t r = 0; r < rows; ++r) {
    const T* xr = x + r * cols;
    T* yr = y + r * cols;
    double sum = 0.0;
    for (std::int64_t c = 0; c < cols; ++c) sum += xr[c];
    const double mean = sum / static_cast<double>(cols);
    double var = 0.0;
    for (std::int64_t c = 0; c < cols; ++c) {
      const double dv = xr[c] - mean;
      var += dv * dv;
    }
    const T inv_std = static_cast<T>(1.0 / std::sqrt(var / static_cast<double>(cols) + k_layernorm_eps));
    const T m = static_cast<T>(mean);
    for (std::int64_t c = 0; c < cols; ++c) yr[c] = (xr[c] - m) * inv_std * gamma[c] + beta[c];
  }
}

template void layernorm<float>(const float*, const float*, const float*, float*, std::int64_t, std::int64_t);
template void layernorm<double>(const double*, const double*, const double*, double*, std::int64_t,
                                std::int64_t);

}  // namespace flopwall::kernels::cpu
