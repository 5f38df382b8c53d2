// Launches of the causal attention kernels (attention_kernels.cuh).
#include <cmath>
#include <stdexcept>
#include <string>

#include "kernels/cuda/attention_kernels.cuh"

namespace flopwall::kernels::cuda {
using namespace detail;
namespace {

// One (batch, head) matrix per grid z index, which CUDA caps at 65,535.
unsigned matrices_in_z(std::int64_t batch, std::int64_t heads) {
  const std::int64_t matrices = batch * heads;
  if (matrices > 65535)
    throw std::invalid_argument("attention: batch x heads per rank = " + std::to_string(matrices) +
                                " exceeds the 65535 a CUDA grid allows; reduce --batch or raise --tp");
  return static_cast<unsigned>(matrices);
}

}  // namespace

void attention_scores(Element t, const void* qkv, void* scores, std::int64_t batch, std::int64_t heads,
                      std::int64_t seq, std::int64_t head_dim, cudaStream_t stream) {
  const dim3 grid(tiles(seq), tiles(seq), matrices_in_z(batch, heads));
  const float scale = 1.0f / sqrtf(static_cast<float>(head_dim));
  dispatch_activation(t, [&](auto tag) {
    using T = decltype(tag);
    attention_scores_kernel<T><<<grid, tile_block(), 0, stream>>>(static_cast<const T*>(qkv), static_cast<T*>(scores),
                                                                  static_cast<int>(heads), static_cast<int>(seq),
                                                                  static_cast<int>(head_dim), scale);
  });
  check_launch("attention_scores");
}

void attention_context(Element t, const void* scores, const void* qkv, void* context, std::int64_t batch,
                       std::int64_t heads, std::int64_t seq, std::int64_t head_dim, cudaStream_t stream) {
  const dim3 grid(tiles(seq), tiles(head_dim), matrices_in_z(batch, heads));
  dispatch_activation(t, [&](auto tag) {
    using T = decltype(tag);
    attention_context_kernel<T><<<grid, tile_block(), 0, stream>>>(
        static_cast<const T*>(scores), static_cast<const T*>(qkv), static_cast<T*>(context), static_cast<int>(heads),
        static_cast<int>(seq), static_cast<int>(head_dim));
  });
  check_launch("attention_context");
}

}  // namespace flopwall::kernels::cuda
