#pragma once
// The cpu device's GEMMs per storage type T: cblas_sgemm/dgemm for float and
// double; for bf16, OpenBLAS's cblas_sbgemm into an fp32 scratch rounded
// into the bf16 output. A device op that multiplies matrices calls
// product() (or the op-shaped helpers), never kernels::cpu::gemm<T> directly,
// so it runs in every dtype; an op kind whose product is not sized in
// reserve() makes the bf16 path throw rather than allocate in the loop.
#include <algorithm>
#include <cstdint>
#include <variant>

#include "core/bfloat16.hpp"
#include "core/checked_math.hpp"
#include "kernels/cpu/bf16_gemm.hpp"
#include "kernels/cpu/kernels.hpp"
#include "model/plan.hpp"

namespace flopwall {

template <class T>
struct GemmPath {
  static constexpr const char* description = "";
  void reserve(const Plan&) {}
  // C[m,n] = alpha · A[m,k] · op(B), row-major, as kernels::cpu::gemm.
  void product(bool trans_b, std::int64_t m, std::int64_t n, std::int64_t k, T alpha, const T* a, std::int64_t lda,
               const T* b, std::int64_t ldb, T* c, std::int64_t ldc) {
    kernels::cpu::gemm<T>(trans_b, m, n, k, alpha, a, lda, b, ldb, c, ldc);
  }
  void gemm(const GemmOp& g, const T* a, const T* b, T* c) { product(false, g.m, g.n, g.k, T{1}, a, g.k, b, g.n, c, g.n); }
  void scores(const AttentionScoreOp& s, const T* qkv, T* scores) {
    kernels::cpu::attention_scores<T>(qkv, scores, s.batch, s.heads, s.seq, s.head_dim);
  }
  void context(const AttentionContextOp& s, const T* scores, const T* qkv, T* context) {
    kernels::cpu::attention_context<T>(scores, qkv, context, s.batch, s.heads, s.seq, s.head_dim);
  }
};

// bf16: one fp32 scratch, sized at prepare for the plan's largest product.
template <>
struct GemmPath<BFloat16> {
  static constexpr const char* description = ", GEMM cblas_sbgemm (bf16 in, fp32 out, rounded to bf16)";
  kernels::cpu::Bf16Gemm engine;
  void reserve(const Plan& plan) {
    std::int64_t largest = 0;
    for (const Op& op : plan.ops) {
      const auto* d = std::get_if<DeviceOp>(&op.params);
      if (!d) continue;
      const char* what = "the bf16 GEMM scratch";
      if (const auto* g = std::get_if<GemmOp>(d)) largest = std::max(largest, mul_or_throw(g->m, g->n, what));
      if (const auto* s = std::get_if<AttentionScoreOp>(d)) largest = std::max(largest, mul_or_throw(s->seq, s->seq, what));
      if (const auto* c = std::get_if<AttentionContextOp>(d))
        largest = std::max(largest, mul_or_throw(c->seq, c->head_dim, what));
      if (const auto* e = std::get_if<GroupedGemmOp>(d))  // one product per expert: its rows × n
        for (const std::int64_t rows : *e->rows) largest = std::max(largest, mul_or_throw(rows, e->n, what));
    }
    engine.reserve(largest);
  }
  void product(bool trans_b, std::int64_t m, std::int64_t n, std::int64_t k, float alpha, const BFloat16* a,
               std::int64_t lda, const BFloat16* b, std::int64_t ldb, BFloat16* c, std::int64_t ldc) {
    engine(trans_b, m, n, k, alpha, a, lda, b, ldb, c, ldc);
  }
  void gemm(const GemmOp& g, const BFloat16* a, const BFloat16* b, BFloat16* c) {
    product(false, g.m, g.n, g.k, 1.0f, a, g.k, b, g.n, c, g.n);
  }
  void scores(const AttentionScoreOp& s, const BFloat16* qkv, BFloat16* scores) {
    kernels::cpu::attention_scores(engine, qkv, scores, s.batch, s.heads, s.seq, s.head_dim);
  }
  void context(const AttentionContextOp& s, const BFloat16* scores, const BFloat16* qkv, BFloat16* context) {
    kernels::cpu::attention_context(engine, scores, qkv, context, s.batch, s.heads, s.seq, s.head_dim);
  }
};

}  // namespace flopwall
