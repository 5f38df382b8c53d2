// Attention over a KV cache. A decode step reads every cached key and value
// once per (request, head) and does 4 FLOPs per element read: memory-bound,
// so one pass with an online softmax (running max and sum, the
// FlashAttention recurrence) and no score buffer.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>
#include <vector>

#include "core/bfloat16.hpp"
#include "kernels/cpu/kernels.hpp"

namespace flopwall::kernels::cpu {

template <class T>
void kv_write(const T* qkv, T* cache, std::int64_t requests, std::int64_t tokens, std::int64_t start,
              std::int64_t cache_len, std::int64_t width) {
  const std::int64_t ld = 3 * width;
  for (std::int64_t r = 0; r < requests; ++r)
    for (std::int64_t i = 0; i < tokens; ++i)
      std::memcpy(cache + (r * cache_len + start + i) * 2 * width, qkv + (r * tokens + i) * ld + width,
                  static_cast<std::size_t>(2 * width) * sizeof(T));
}

template <class T>
void cached_attention(const T* qkv, const T* cache, T* context, std::int64_t requests, std::int64_t heads,
                      std::int64_t tokens, std::int64_t start, std::int64_t cache_len, std::int64_t head_dim) {
  // bf16 storage computes in fp32 (half the bytes read, the same arithmetic).
  using Acc = std::conditional_t<std::is_same_v<T, BFloat16>, float, T>;
  const std::int64_t width = heads * head_dim, ld_qkv = 3 * width, ld_kv = 2 * width;
  const Acc scale = static_cast<Acc>(1.0 / std::sqrt(static_cast<double>(head_dim)));
  std::vector<Acc> acc(static_cast<std::size_t>(head_dim));
  for (std::int64_t r = 0; r < requests; ++r)
    for (std::int64_t i = 0; i < tokens; ++i)
      for (std::int64_t j = 0; j < heads; ++j) {
        const T* q = qkv + (r * tokens + i) * ld_qkv + j * head_dim;
        const T* kv = cache + r * cache_len * ld_kv + j * head_dim;
        Acc running_max = -std::numeric_limits<Acc>::infinity(), running_sum = 0;
        std::fill(acc.begin(), acc.end(), Acc{0});
        for (std::int64_t p = 0; p <= start + i; ++p) {
          const T* k = kv + p * ld_kv;
          const T* v = k + width;
          Acc s = 0;
#pragma omp simd reduction(+ : s)
          for (std::int64_t x = 0; x < head_dim; ++x) s += static_cast<Acc>(q[x]) * static_cast<Acc>(k[x]);
          s *= scale;
          // Rescale what was summed under the old maximum when a larger score comes.
          const Acc m = std::max(running_max, s);
          const Acc old = std::exp(running_max - m), w = std::exp(s - m);
          running_sum = running_sum * old + w;
          Acc* a = acc.data();
#pragma omp simd
          for (std::int64_t x = 0; x < head_dim; ++x) a[x] = a[x] * old + w * static_cast<Acc>(v[x]);
          running_max = m;
        }
        T* out = context + (r * tokens + i) * width + j * head_dim;
        const Acc inv = Acc{1} / running_sum;
        for (std::int64_t x = 0; x < head_dim; ++x) out[x] = static_cast<T>(acc[static_cast<std::size_t>(x)] * inv);
      }
}

template void kv_write<float>(const float*, float*, std::int64_t, std::int64_t, std::int64_t, std::int64_t,
                              std::int64_t);
template void kv_write<double>(const double*, double*, std::int64_t, std::int64_t, std::int64_t, std::int64_t,
                               std::int64_t);
template void cached_attention<float>(const float*, const float*, float*, std::int64_t, std::int64_t, std::int64_t,
                                      std::int64_t, std::int64_t, std::int64_t);
template void cached_attention<double>(const double*, const double*, double*, std::int64_t, std::int64_t,
                                       std::int64_t, std::int64_t, std::int64_t, std::int64_t);
template void kv_write<BFloat16>(const BFloat16*, BFloat16*, std::int64_t, std::int64_t, std::int64_t, std::int64_t,
                                 std::int64_t);
template void cached_attention<BFloat16>(const BFloat16*, const BFloat16*, BFloat16*, std::int64_t, std::int64_t,
                                         std::int64_t, std::int64_t, std::int64_t, std::int64_t);

}  // namespace flopwall::kernels::cpu
