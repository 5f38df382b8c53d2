// Attention over a KV cache. A decode step reads every cached key and value
// once and does 4 FLOPs per element read: memory-bound, so the cache is read
// once, as one contiguous stream. A cache row holds every head's K then V,
// so the loop runs over rows (positions) outside and heads inside, with an
// online softmax per head (running max and sum, the FlashAttention
// recurrence) and no score buffer beyond one row. Walking head by head
// instead strides a whole row per position, and splitting a block of rows
// into a K pass and a V pass breaks the stream into 8 KiB pieces: at hidden
// 2048 and 4096 cached tokens, either reached 15% or 35% of the calibrated
// bandwidth where this order reaches over 70% (docs/benchmarks.md).
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

namespace {

// One query's attention over `visible` cache rows into `out` (width
// values). Compiled for AVX-512 and AVX2 besides the baseline, picked at
// load time by the CPU (GCC's target_clones): the build stays portable and
// the loops over head_dim run at the vector width the machine has.
template <class T, class Acc>
[[gnu::target_clones("arch=skylake-avx512", "arch=haswell", "default")]] void attend(
    const T* q, const T* kv, T* out, std::int64_t visible, std::int64_t heads, std::int64_t head_dim, Acc scale,
    Acc* acc, Acc* scores, Acc* running_max, Acc* running_sum) {
  const std::int64_t width = heads * head_dim, ld_kv = 2 * width;
  std::fill(acc, acc + width, Acc{0});
  std::fill(running_max, running_max + heads, -std::numeric_limits<Acc>::infinity());
  std::fill(running_sum, running_sum + heads, Acc{0});
  // One pass over the rows in address order: each row's K half, then its V
  // half, one contiguous stream through the whole cache.
  for (std::int64_t p = 0; p < visible; ++p) {
    const T* k_row = kv + p * ld_kv;
    const T* v_row = k_row + width;
    for (std::int64_t j = 0; j < heads; ++j) {
      const T* qj = q + j * head_dim;
      const T* kj = k_row + j * head_dim;
      Acc dot = 0;
#pragma omp simd reduction(+ : dot)
      for (std::int64_t x = 0; x < head_dim; ++x) dot += static_cast<Acc>(qj[x]) * static_cast<Acc>(kj[x]);
      scores[j] = dot * scale;
    }
    for (std::int64_t j = 0; j < heads; ++j) {
      const Acc s = scores[j];
      Acc* a = acc + j * head_dim;
      const T* vj = v_row + j * head_dim;
      if (s > running_max[j]) {
        // A new maximum rescales what was summed under the old one (rare after the first rows).
        const Acc rescale = std::exp(running_max[j] - s);
        running_max[j] = s;
        running_sum[j] = running_sum[j] * rescale + Acc{1};
#pragma omp simd
        for (std::int64_t x = 0; x < head_dim; ++x) a[x] = a[x] * rescale + static_cast<Acc>(vj[x]);
        continue;
      }
      const Acc w = std::exp(s - running_max[j]);
      running_sum[j] += w;
#pragma omp simd
      for (std::int64_t x = 0; x < head_dim; ++x) a[x] += w * static_cast<Acc>(vj[x]);
    }
  }
  for (std::int64_t j = 0; j < heads; ++j) {
    const Acc inv = Acc{1} / running_sum[j];
    for (std::int64_t x = 0; x < head_dim; ++x) out[j * head_dim + x] = static_cast<T>(acc[j * head_dim + x] * inv);
  }
}

}  // namespace

template <class T>
void cached_attention(const T* qkv, const T* cache, T* context, std::int64_t requests, std::int64_t heads,
                      std::int64_t tokens, std::int64_t start, std::int64_t cache_len, std::int64_t head_dim) {
  // bf16 storage computes in fp32 (half the bytes read, the same arithmetic).
  using Acc = std::conditional_t<std::is_same_v<T, BFloat16>, float, T>;
  const std::int64_t width = heads * head_dim, ld_qkv = 3 * width, ld_kv = 2 * width;
  const Acc scale = static_cast<Acc>(1.0 / std::sqrt(static_cast<double>(head_dim)));
  const auto h = static_cast<std::size_t>(heads);
  std::vector<Acc> acc(static_cast<std::size_t>(width)), scores(h), running_max(h), running_sum(h);
  for (std::int64_t r = 0; r < requests; ++r)
    for (std::int64_t i = 0; i < tokens; ++i)
      attend<T, Acc>(qkv + (r * tokens + i) * ld_qkv, cache + r * cache_len * ld_kv, context + (r * tokens + i) * width,
                     start + i + 1, heads, head_dim, scale, acc.data(), scores.data(), running_max.data(),
                     running_sum.data());
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
