#pragma once
// CPU backward kernels of the dense transformer block (training step),
// row-major, templated on float and double. Each is the exact derivative of
// its forward kernel in kernels.hpp; docs/metrics.md gives their accounting.
#include <cstdint>

namespace flopwall::kernels::cpu {

// C[m,n] = alpha·op(A)·op(B) + beta·C with op(X) = X or Xᵀ: the dgrad GEMM
// dA = dC·Bᵀ is (false, true), the wgrad GEMM dB = Aᵀ·dC is (true, false).
// lda/ldb are the row lengths of A and B as stored.
template <class T>
void gemm_ex(bool trans_a, bool trans_b, std::int64_t m, std::int64_t n, std::int64_t k, T alpha, const T* a,
             std::int64_t lda, const T* b, std::int64_t ldb, T beta, T* c, std::int64_t ldc);

// Given the layernorm input x, gamma and dy = dL/dy: dx, and the parameter
// gradient dparams = [dgamma | dbeta] (overwritten, summed over the rows).
// The row statistics are recomputed from x (one extra read of x, no stored
// mean or variance).
template <class T>
void layernorm_backward(const T* x, const T* gamma, const T* dy, T* dx, T* dparams, std::int64_t rows,
                        std::int64_t cols);

// dx = gelu'(x)·dy for the tanh-approximation GELU; x is the pre-activation.
template <class T>
void gelu_backward(const T* x, const T* dy, T* dx, std::int64_t count);

// Given the softmax output p and dp = dL/dp of each causal [seq, seq] block:
// ds_ij = p_ij·(dp_ij − Σ_k p_ik·dp_ik), zero past the diagonal. ds may be dp.
template <class T>
void causal_softmax_backward(const T* p, const T* dp, T* ds, std::int64_t matrices, std::int64_t seq);

// scores = Q·Kᵀ/sqrt(d) per (sequence, head): writes dQ and dK into the Q and
// K column blocks of dqkv (same packed layout as qkv); the V block is untouched.
template <class T>
void attention_scores_backward(const T* qkv, const T* dscores, T* dqkv, std::int64_t batch, std::int64_t heads,
                               std::int64_t seq, std::int64_t head_dim);

// context = P·V per (sequence, head): dP = dcontext·Vᵀ into dscores and
// dV = Pᵀ·dcontext into the V column block of dqkv.
template <class T>
void attention_context_backward(const T* scores, const T* qkv, const T* dcontext, T* dscores, T* dqkv,
                                std::int64_t batch, std::int64_t heads, std::int64_t seq, std::int64_t head_dim);

}  // namespace flopwall::kernels::cpu
