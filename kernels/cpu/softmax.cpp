#include <algorithm>
#include <cmath>

#include "kernels/cpu/kernels.hpp"

namespace flopwall::kernels::cpu {

// Max-subtracted softmax over the causal prefix of each row; masked entries
// are written as exact zeros so the context GEMM can run over full rows.
// bf16 storage computes in float (C); the sum is of the unrounded
// exponentials, each stored value is rounded once per pass.
template <class T>
void causal_softmax(T* scores, std::int64_t matrices, std::int64_t seq) {
  using C = compute_t<T>;
  for (std::int64_t m = 0; m < matrices; ++m) {
    for (std::int64_t i = 0; i < seq; ++i) {
      T* row = scores + (m * seq + i) * seq;
      const std::int64_t len = i + 1;
      C mx = C(row[0]);
#pragma omp simd reduction(max : mx)
      for (std::int64_t j = 0; j < len; ++j) mx = std::max(mx, C(row[j]));
      C sum = 0;
      for (std::int64_t j = 0; j < len; ++j) {
        const C e = std::exp(C(row[j]) - mx);
        row[j] = T(e);
        sum += e;
      }
      const C inv = C{1} / sum;
#pragma omp simd
      for (std::int64_t j = 0; j < len; ++j) row[j] = T(C(row[j]) * inv);
      std::fill(row + len, row + seq, T{0});
    }
  }
}

template void causal_softmax<float>(float*, std::int64_t, std::int64_t);
template void causal_softmax<double>(double*, std::int64_t, std::int64_t);
template void causal_softmax<BFloat16>(BFloat16*, std::int64_t, std::int64_t);

}  // namespace flopwall::kernels::cpu
