#pragma once
// Host entry points of the project's CUDA kernels. Buffers are device
// pointers of the given element type; every kernel computes in fp32 and is
// enqueued on `stream` without synchronizing. tests/gpu compares each one
// with its CPU reference in kernels/cpu.
#include <cuda_runtime_api.h>

#include <cstdint>

#include "core/element_type.hpp"

namespace flopwall::kernels::cuda {

// Buffers hold float32, half, bfloat16 or (GEMM operands only) fp8_e4m3.
using Element = ElementType;

// Per row: y = (x − mean)/sqrt(var + 1e-5)·gamma + beta; params = [gamma | beta].
void layernorm(Element t, const void* x, const void* params, void* y, std::int64_t rows, std::int64_t cols,
               cudaStream_t stream);
// Row i of each [seq, seq] matrix: softmax over columns 0..i, zeros after.
void causal_softmax(Element t, void* scores, std::int64_t matrices, std::int64_t seq, cudaStream_t stream);
// GELU (tanh approximation), in place.
void gelu(Element t, void* x, std::int64_t count, cudaStream_t stream);
// out = x + y.
void residual_add(Element t, const void* x, const void* y, void* out, std::int64_t count, cudaStream_t stream);
// Packed QKV [batch·seq, 3·heads·head_dim] (Q | K | V): scores = Q·Kᵀ/sqrt(d)
// for the causal lower triangle; tiles wholly above the diagonal are skipped.
void attention_scores(Element t, const void* qkv, void* scores, std::int64_t batch, std::int64_t heads,
                      std::int64_t seq, std::int64_t head_dim, cudaStream_t stream);
// context[b·seq + i, head·d + :] = Σ_{j ≤ i} P[i, j]·V[j]; reads only the causal part of P.
void attention_context(Element t, const void* scores, const void* qkv, void* context, std::int64_t batch,
                       std::int64_t heads, std::int64_t seq, std::int64_t head_dim, cudaStream_t stream);
// Element-type conversions: activations to fp8 GEMM operands, and fp32
// staging buffers to and from any element type (uploads and checks).
void convert(Element from, const void* in, Element to, void* out, std::int64_t count, cudaStream_t stream);

// MoE (moe.cu), activations only. Top-k of each logits row: values then
// columns (as values), largest first, k at most 16.
void topk_rows(Element t, const void* logits, void* out, std::int64_t rows, std::int64_t cols, std::int64_t k,
               cudaStream_t stream);
// dst[i, :] = src[index[i], :]; `index` is a device array of `count` rows.
void gather_rows(Element t, const void* src, void* dst, const std::int64_t* index, std::int64_t count,
                 std::int64_t cols, cudaStream_t stream);
// out[t, :] = Σ_{j in [offsets[t], offsets[t+1])} weights[j]·src[slots[j], :]; device arrays.
void moe_combine(Element t, const void* src, void* out, const std::int64_t* offsets, const std::int64_t* slots,
                 const float* weights, std::int64_t tokens, std::int64_t cols, cudaStream_t stream);
// Serve mode, as kernels/cpu/kernels.hpp's kv_write and cached_attention:
// the new tokens' K | V into the cache [requests·cache_len, 2·width], and
// each query's attention over its request's cache rows 0..start+i.
void kv_write(Element t, const void* qkv, void* cache, std::int64_t requests, std::int64_t tokens, std::int64_t start,
              std::int64_t cache_len, std::int64_t width, cudaStream_t stream);
void cached_attention(Element t, const void* qkv, const void* cache, void* context, std::int64_t requests,
                      std::int64_t heads, std::int64_t tokens, std::int64_t start, std::int64_t cache_len,
                      std::int64_t head_dim, cudaStream_t stream);

// The training step's backward kernels (backward.cu), as kernels/cpu/backward.hpp.
void gelu_backward(Element t, const void* x, const void* dy, void* dx, std::int64_t count, cudaStream_t stream);
void causal_softmax_backward(Element t, const void* p, const void* dp, void* ds, std::int64_t matrices,
                             std::int64_t seq, cudaStream_t stream);
// `stats`: a device scratch of 2·rows floats (each row's mean and inverse
// standard deviation, passed from the row kernel to the column kernel).
void layernorm_backward(Element t, const void* x, const void* gamma, const void* dy, void* dx, void* dparams,
                        float* stats, std::int64_t rows, std::int64_t cols, cudaStream_t stream);
void attention_scores_backward(Element t, const void* qkv, const void* dscores, void* dqkv, std::int64_t batch,
                               std::int64_t heads, std::int64_t seq, std::int64_t head_dim, cudaStream_t stream);
void attention_context_backward(Element t, const void* scores, const void* qkv, const void* dcontext, void* dscores,
                                void* dqkv, std::int64_t batch, std::int64_t heads, std::int64_t seq,
                                std::int64_t head_dim, cudaStream_t stream);

}  // namespace flopwall::kernels::cuda
