#include "kernels/cpu/triad.hpp"

namespace flopwall::kernels::cpu {

template <class T>
void triad(T* __restrict a, const T* __restrict b, const T* __restrict c, T s, std::int64_t count) {
  // restrict and simd: the three arrays never alias, so the loop is one
  // vector load of b and c, an FMA and a store per lane group.
#pragma omp simd
  for (std::int64_t i = 0; i < count; ++i) a[i] = b[i] + s * c[i];
}

template void triad<float>(float*, const float*, const float*, float, std::int64_t);
template void triad<double>(double*, const double*, const double*, double, std::int64_t);

}  // namespace flopwall::kernels::cpu
