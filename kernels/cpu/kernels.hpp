#pragma once
// CPU compute kernels, row-major, templated on float and double. GEMMs go to
// OpenBLAS; the memory-bound kernels are the project's own single-pass loops.
// layernorm, causal_softmax, gelu and residual_add also take BFloat16 storage
// (float math, rounded to nearest even on store); bf16 GEMMs and attention
// products go through Bf16Gemm (kernels/cpu/bf16_gemm.hpp).
#include <cstdint>

#include "core/bfloat16.hpp"

namespace flopwall::kernels::cpu {

// C[m,n] = A[m,k] · op(B) where op(B) = B[k,n] or, with trans_b, B[n,k]ᵀ.
template <class T>
void gemm(bool trans_b, std::int64_t m, std::int64_t n, std::int64_t k, T alpha, const T* a, std::int64_t lda,
          const T* b, std::int64_t ldb, T* c, std::int64_t ldc);

// Per row of x[rows, cols]: y = (x − mean)/sqrt(var + eps)·gamma + beta.
template <class T>
void layernorm(const T* x, const T* gamma, const T* beta, T* y, std::int64_t rows, std::int64_t cols);
inline constexpr double k_layernorm_eps = 1e-5;

// Each of `matrices` [seq, seq] blocks: row i becomes softmax(row[0..i]) and
// zeros past the diagonal (the causal mask).
template <class T>
void causal_softmax(T* scores, std::int64_t matrices, std::int64_t seq);

// GELU, tanh approximation (GPT-2 / Megatron), in place.
template <class T>
void gelu(T* x, std::int64_t count);

// out = x + y.
template <class T>
void residual_add(const T* x, const T* y, T* out, std::int64_t count);

// qkv is [batch·seq, 3·heads·head_dim] with Q | K | V column blocks.
// scores[(b·heads + j)·seq + i, :] = Q_bj[i] · K_bjᵀ / sqrt(head_dim).
template <class T>
void attention_scores(const T* qkv, T* scores, std::int64_t batch, std::int64_t heads, std::int64_t seq,
                      std::int64_t head_dim);

// context[b·seq + i, j·head_dim + :] = P_bj[i] · V_bj.
template <class T>
void attention_context(const T* scores, const T* qkv, T* context, std::int64_t batch, std::int64_t heads,
                       std::int64_t seq, std::int64_t head_dim);

// The same two products on bf16 storage, each head's GEMM through `gemm`
// (sbgemm into its fp32 scratch, rounded to bf16): the scratch must hold
// seq·seq (scores) and seq·head_dim (context) values.
class Bf16Gemm;
void attention_scores(Bf16Gemm& gemm, const BFloat16* qkv, BFloat16* scores, std::int64_t batch,
                      std::int64_t heads, std::int64_t seq, std::int64_t head_dim);
void attention_context(Bf16Gemm& gemm, const BFloat16* scores, const BFloat16* qkv, BFloat16* context,
                       std::int64_t batch, std::int64_t heads, std::int64_t seq, std::int64_t head_dim);

// MoE (kernels/cpu/moe.cpp). out[r, 0..k) = the k largest of logits row r
// (largest first, ties to the lower column), out[r, k..2k) = their columns.
template <class T>
void topk_rows(const T* logits, T* out, std::int64_t rows, std::int64_t cols, std::int64_t k);

// dst[i, :] = src[index[i], :] for i < count (rows of `cols` elements).
template <class T>
void gather_rows(const T* src, T* dst, const std::int64_t* index, std::int64_t count, std::int64_t cols);

// out[t, :] = sum over j in [offsets[t], offsets[t+1]) of weights[j] · src[slots[j], :].
template <class T>
void moe_combine(const T* src, T* out, const std::int64_t* offsets, const std::int64_t* slots, const double* weights,
                 std::int64_t tokens, std::int64_t cols);

// Serve mode (kernels/cpu/decode_attention.cpp). qkv is [requests·tokens,
// 3·width] (Q | K | V), the cache [requests·cache_len, 2·width] (K | V).
// K and V of token i of request r go to cache row r·cache_len + start + i.
template <class T>
void kv_write(const T* qkv, T* cache, std::int64_t requests, std::int64_t tokens, std::int64_t start,
              std::int64_t cache_len, std::int64_t width);

// Query i of request r (position start + i) attends to cache rows 0..start+i
// of its request, per head: context[r·tokens + i, j·head_dim + :] =
// softmax(Q·Kᵀ/sqrt(head_dim))·V, in one pass over the keys (online softmax).
template <class T>
void cached_attention(const T* qkv, const T* cache, T* context, std::int64_t requests, std::int64_t heads,
                      std::int64_t tokens, std::int64_t start, std::int64_t cache_len, std::int64_t head_dim);

}  // namespace flopwall::kernels::cpu
