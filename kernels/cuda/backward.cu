// Launches of the training step's backward kernels (backward_kernels.cuh).
#include <cmath>

#include "kernels/cuda/backward_kernels.cuh"
#include "kernels/cuda/cuda_kernels.hpp"
#include "kernels/cuda/elementwise_kernels.cuh"

namespace flopwall::kernels::cuda {
using namespace detail;

namespace {
constexpr unsigned k_block = 256;
unsigned blocks(std::int64_t threads) { return static_cast<unsigned>((threads + k_block - 1) / k_block); }
}  // namespace

void gelu_backward(Element t, const void* x, const void* dy, void* dx, std::int64_t count, cudaStream_t stream) {
  dispatch_activation(t, [&](auto tag) {
    using T = decltype(tag);
    gelu_backward_kernel<T><<<grid_for(count, k_block), k_block, 0, stream>>>(
        static_cast<const T*>(x), static_cast<const T*>(dy), static_cast<T*>(dx), count);
  });
  check_launch("gelu_backward");
}

void causal_softmax_backward(Element t, const void* p, const void* dp, void* ds, std::int64_t matrices,
                             std::int64_t seq, cudaStream_t stream) {
  dispatch_activation(t, [&](auto tag) {
    using T = decltype(tag);
    causal_softmax_backward_kernel<T><<<static_cast<unsigned>(matrices * seq), k_row_block, 0, stream>>>(
        static_cast<const T*>(p), static_cast<const T*>(dp), static_cast<T*>(ds), seq);
  });
  check_launch("causal_softmax_backward");
}

void layernorm_backward(Element t, const void* x, const void* gamma, const void* dy, void* dx, void* dparams,
                        float* stats, std::int64_t rows, std::int64_t cols, cudaStream_t stream) {
  dispatch_activation(t, [&](auto tag) {
    using T = decltype(tag);
    layernorm_backward_rows_kernel<T><<<static_cast<unsigned>(rows), k_row_block, 0, stream>>>(
        static_cast<const T*>(x), static_cast<const T*>(gamma), static_cast<const T*>(dy), static_cast<T*>(dx), stats,
        cols);
    layernorm_backward_params_kernel<T><<<blocks(cols), k_block, 0, stream>>>(
        static_cast<const T*>(x), static_cast<const T*>(dy), stats, static_cast<T*>(dparams), rows, cols);
  });
  check_launch("layernorm_backward");
}

void attention_scores_backward(Element t, const void* qkv, const void* dscores, void* dqkv, std::int64_t batch,
                               std::int64_t heads, std::int64_t seq, std::int64_t head_dim, cudaStream_t stream) {
  const float scale = 1.0f / std::sqrt(static_cast<float>(head_dim));
  dispatch_activation(t, [&](auto tag) {
    using T = decltype(tag);
    attention_scores_backward_kernel<T><<<dim3(blocks(2 * seq * head_dim), static_cast<unsigned>(batch * heads)),
                                          k_block, 0, stream>>>(static_cast<const T*>(qkv),
                                                                static_cast<const T*>(dscores), static_cast<T*>(dqkv),
                                                                heads, seq, head_dim, scale);
  });
  check_launch("attention_scores_backward");
}

void attention_context_backward(Element t, const void* scores, const void* qkv, const void* dcontext, void* dscores,
                                void* dqkv, std::int64_t batch, std::int64_t heads, std::int64_t seq,
                                std::int64_t head_dim, cudaStream_t stream) {
  dispatch_activation(t, [&](auto tag) {
    using T = decltype(tag);
    attention_context_backward_kernel<T><<<dim3(blocks(seq * seq + seq * head_dim),
                                                static_cast<unsigned>(batch * heads)),
                                           k_block, 0, stream>>>(
        static_cast<const T*>(scores), static_cast<const T*>(qkv), static_cast<const T*>(dcontext),
        static_cast<T*>(dscores), static_cast<T*>(dqkv), heads, seq, head_dim);
  });
  check_launch("attention_context_backward");
}

}  // namespace flopwall::kernels::cuda
