#include <cmath>

#include "kernels/cpu/bf16_gemm.hpp"
#include "kernels/cpu/kernels.hpp"

namespace flopwall::kernels::cpu {

// Q, K and V of head j of sequence b are strided views into the packed QKV
// activation, so each product is one BLAS call with lda = 3·heads·head_dim
// and no copies. `gemm` is the element type's GEMM (cblas_sgemm/dgemm, or
// Bf16Gemm's sbgemm), so every storage type runs the same loop.
template <class T, class Gemm>
void scores_with(Gemm&& gemm, const T* qkv, T* scores, std::int64_t batch, std::int64_t heads, std::int64_t seq,
                 std::int64_t head_dim) {
  using C = compute_t<T>;
  const std::int64_t width = heads * head_dim;
  const std::int64_t ld = 3 * width;
  const C scale = static_cast<C>(1.0 / std::sqrt(static_cast<double>(head_dim)));
  for (std::int64_t b = 0; b < batch; ++b)
    for (std::int64_t j = 0; j < heads; ++j) {
      const T* q = qkv + b * seq * ld + j * head_dim;
      const T* k = q + width;
      gemm(true, seq, seq, head_dim, scale, q, ld, k, ld, scores + (b * heads + j) * seq * seq, seq);
    }
}

template <class T, class Gemm>
void context_with(Gemm&& gemm, const T* scores, const T* qkv, T* context, std::int64_t batch, std::int64_t heads,
                  std::int64_t seq, std::int64_t head_dim) {
  const std::int64_t width = heads * head_dim;
  const std::int64_t ld = 3 * width;
  for (std::int64_t b = 0; b < batch; ++b)
    for (std::int64_t j = 0; j < heads; ++j) {
      const T* v = qkv + b * seq * ld + 2 * width + j * head_dim;
      gemm(false, seq, head_dim, seq, compute_t<T>{1}, scores + (b * heads + j) * seq * seq, seq, v, ld,
           context + b * seq * width + j * head_dim, width);
    }
}

template <class T>
void attention_scores(const T* qkv, T* scores, std::int64_t batch, std::int64_t heads, std::int64_t seq,
                      std::int64_t head_dim) {
  scores_with<T>(gemm<T>, qkv, scores, batch, heads, seq, head_dim);
}

template <class T>
void attention_context(const T* scores, const T* qkv, T* context, std::int64_t batch, std::int64_t heads,
                       std::int64_t seq, std::int64_t head_dim) {
  context_with<T>(gemm<T>, scores, qkv, context, batch, heads, seq, head_dim);
}

void attention_scores(Bf16Gemm& gemm, const BFloat16* qkv, BFloat16* scores, std::int64_t batch,
                      std::int64_t heads, std::int64_t seq, std::int64_t head_dim) {
  scores_with<BFloat16>(gemm, qkv, scores, batch, heads, seq, head_dim);
}

void attention_context(Bf16Gemm& gemm, const BFloat16* scores, const BFloat16* qkv, BFloat16* context,
                       std::int64_t batch, std::int64_t heads, std::int64_t seq, std::int64_t head_dim) {
  context_with<BFloat16>(gemm, scores, qkv, context, batch, heads, seq, head_dim);
}

template void attention_scores<float>(const float*, float*, std::int64_t, std::int64_t, std::int64_t,
                                      std::int64_t);
template void attention_scores<double>(const double*, double*, std::int64_t, std::int64_t, std::int64_t,
                                       std::int64_t);
template void attention_context<float>(const float*, const float*, float*, std::int64_t, std::int64_t,
                                       std::int64_t, std::int64_t);
template void attention_context<double>(const double*, const double*, double*, std::int64_t, std::int64_t,
                                        std::int64_t, std::int64_t);

}  // namespace flopwall::kernels::cpu
