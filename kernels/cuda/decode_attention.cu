// Launches of the KV-cache kernels (decode_attention_kernels.cuh).
#include <cmath>
#include <stdexcept>
#include <string>

#include "kernels/cuda/decode_attention_kernels.cuh"

namespace flopwall::kernels::cuda {
using namespace detail;

void kv_write(Element t, const void* qkv, void* cache, std::int64_t requests, std::int64_t tokens, std::int64_t start,
              std::int64_t cache_len, std::int64_t width, cudaStream_t stream) {
  const unsigned block = 256;
  const std::int64_t rows = requests * tokens;
  dispatch_activation(t, [&](auto tag) {
    using T = decltype(tag);
    kv_write_kernel<T><<<grid_for(rows * 2 * width, block), block, 0, stream>>>(
        static_cast<const T*>(qkv), static_cast<T*>(cache), rows, tokens, start, cache_len, width);
  });
  check_launch("kv_write");
}

void cached_attention(Element t, const void* qkv, const void* cache, void* context, std::int64_t requests,
                      std::int64_t heads, std::int64_t tokens, std::int64_t start, std::int64_t cache_len,
                      std::int64_t head_dim, cudaStream_t stream) {
  if (head_dim > k_max_cache_head_dim)
    throw std::invalid_argument("cached attention: head size " + std::to_string(head_dim) + " exceeds the " +
                                std::to_string(k_max_cache_head_dim) + " the kernel holds; use more --heads");
  if (requests > 65535 || tokens > 65535)
    throw std::invalid_argument("cached attention: " + std::to_string(requests) + " requests of " +
                                std::to_string(tokens) + " new tokens exceed the 65535 a CUDA grid allows per "
                                "dimension; lower --requests or --prompt-len");
  const dim3 grid(static_cast<unsigned>(heads), static_cast<unsigned>(tokens), static_cast<unsigned>(requests));
  const float scale = 1.0f / sqrtf(static_cast<float>(head_dim));
  dispatch_activation(t, [&](auto tag) {
    using T = decltype(tag);
    cached_attention_kernel<T><<<grid, k_cache_warps * 32, 0, stream>>>(
        static_cast<const T*>(qkv), static_cast<const T*>(cache), static_cast<T*>(context), static_cast<int>(heads),
        tokens, start, cache_len, static_cast<int>(head_dim), scale);
  });
  check_launch("cached_attention");
}

}  // namespace flopwall::kernels::cuda
