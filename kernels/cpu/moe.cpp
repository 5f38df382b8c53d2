// The MoE layer's memory-bound kernels: a row gather (the token permutes),
// the gate-weighted combine, and the router's top-k. Single pass over the
// rows each touches; the GEMMs go to OpenBLAS (gemm.cpp).
#include <algorithm>
#include <cstring>
#include <type_traits>

#include "core/bfloat16.hpp"

#include "kernels/cpu/kernels.hpp"

namespace flopwall::kernels::cpu {

template <class T>
void topk_rows(const T* logits, T* out, std::int64_t rows, std::int64_t cols, std::int64_t k) {
  for (std::int64_t r = 0; r < rows; ++r) {
    const T* row = logits + r * cols;
    T* o = out + r * 2 * k;
    // Insertion into a sorted k-list: k is small (1..8 in practice).
    std::int64_t filled = 0;
    for (std::int64_t c = 0; c < cols; ++c) {
      const T v = row[c];
      if (filled == k && !(v > o[k - 1])) continue;
      std::int64_t at = filled < k ? filled++ : k - 1;
      while (at > 0 && v > o[at - 1]) {
        o[at] = o[at - 1];
        o[k + at] = o[k + at - 1];
        --at;
      }
      o[at] = v;
      // The column as a value of T: exact up to 2^8 columns in bf16, 2^24 in
      // fp32. Routing is planned (model/moe_routing), so this output is the
      // router's work, not a decision anything reads back.
      o[k + at] = static_cast<T>(static_cast<float>(c));
    }
  }
}

template <class T>
void gather_rows(const T* src, T* dst, const std::int64_t* index, std::int64_t count, std::int64_t cols) {
  const auto row_bytes = static_cast<std::size_t>(cols) * sizeof(T);
  for (std::int64_t i = 0; i < count; ++i) std::memcpy(dst + i * cols, src + index[i] * cols, row_bytes);
}

template <class T>
void moe_combine(const T* src, T* out, const std::int64_t* offsets, const std::int64_t* slots, const double* weights,
                 std::int64_t tokens, std::int64_t cols) {
  // bf16 storage sums in fp32, as its GEMMs do; rounded once per output.
  using Acc = std::conditional_t<std::is_same_v<T, BFloat16>, float, T>;
  for (std::int64_t t = 0; t < tokens; ++t) {
    T* o = out + t * cols;
    const std::int64_t first = offsets[t], last = offsets[t + 1];
#pragma omp simd
    for (std::int64_t c = 0; c < cols; ++c) {
      Acc sum{0};
      for (std::int64_t j = first; j < last; ++j)
        sum += static_cast<Acc>(weights[j]) * static_cast<Acc>(src[slots[j] * cols + c]);
      o[c] = static_cast<T>(sum);
    }
  }
}

template void topk_rows<float>(const float*, float*, std::int64_t, std::int64_t, std::int64_t);
template void topk_rows<double>(const double*, double*, std::int64_t, std::int64_t, std::int64_t);
template void gather_rows<float>(const float*, float*, const std::int64_t*, std::int64_t, std::int64_t);
template void gather_rows<double>(const double*, double*, const std::int64_t*, std::int64_t, std::int64_t);
template void moe_combine<float>(const float*, float*, const std::int64_t*, const std::int64_t*, const double*,
                                 std::int64_t, std::int64_t);
template void moe_combine<double>(const double*, double*, const std::int64_t*, const std::int64_t*, const double*,
                                  std::int64_t, std::int64_t);

template void topk_rows<BFloat16>(const BFloat16*, BFloat16*, std::int64_t, std::int64_t, std::int64_t);
template void gather_rows<BFloat16>(const BFloat16*, BFloat16*, const std::int64_t*, std::int64_t, std::int64_t);
template void moe_combine<BFloat16>(const BFloat16*, BFloat16*, const std::int64_t*, const std::int64_t*,
                                    const double*, std::int64_t, std::int64_t);

}  // namespace flopwall::kernels::cpu
