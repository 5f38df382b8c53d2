#pragma once
// A cuBLASLt matmul prepared once per GEMM op: descriptors, layouts and the
// heuristic's algorithm are chosen before the timed loop, so an iteration
// only enqueues cublasLtMatmul.
#include <cublasLt.h>

#include <cstdint>
#include <memory>

#include "core/dtype.hpp"

namespace flopwall::cuda {

class LtHandle {
 public:
  LtHandle();
  LtHandle(const LtHandle&) = delete;
  LtHandle& operator=(const LtHandle&) = delete;
  ~LtHandle();
  cublasLtHandle_t get() const noexcept { return m_handle; }

 private:
  cublasLtHandle_t m_handle = nullptr;
};

// Row-major C[m,n] = A[m,k] · W where the weight is stored transposed, as
// [n,k] (out × in, PyTorch's Linear layout). In cuBLASLt's column-major view
// that is D(n×m) = Wᵀ-op(k×n)ᵀ · A(k×m): the "TN" form, the only one fp8
// GEMMs support on Hopper, used for every dtype so all take the same path.
class LtGemm {
 public:
  LtGemm(const LtHandle& handle, DType dtype, std::int64_t m, std::int64_t n, std::int64_t k, void* workspace,
         std::size_t workspace_bytes);
  LtGemm(LtGemm&&) noexcept;
  LtGemm& operator=(LtGemm&&) = delete;
  LtGemm(const LtGemm&) = delete;
  ~LtGemm();

  void run(const void* a, const void* weight_t, void* c, cudaStream_t stream) const;

 private:
  struct Descriptors;
  std::unique_ptr<Descriptors> m_d;
};

// The training step's GEMMs: row-major C[m,n] = op(A)·op(B), op(X) = X or
// Xᵀ, each operand stored row-major and dense (A as [m,k], or [k,m] when
// transposed; B as [k,n], or [n,k]), C with row length n. In cuBLASLt's
// column-major view: Cᵀ(n×m) = op(B)ᵀ·op(A)ᵀ. fp32, tf32, fp16 and bf16.
class LtGemmEx {
 public:
  LtGemmEx(const LtHandle& handle, DType dtype, std::int64_t m, std::int64_t n, std::int64_t k, bool trans_a,
           bool trans_b, void* workspace, std::size_t workspace_bytes);
  LtGemmEx(LtGemmEx&&) noexcept;
  LtGemmEx& operator=(LtGemmEx&&) = delete;
  LtGemmEx(const LtGemmEx&) = delete;
  ~LtGemmEx();

  void run(const void* a, const void* b, void* c, cudaStream_t stream) const;

 private:
  struct Descriptors;
  std::unique_ptr<Descriptors> m_d;
};

}  // namespace flopwall::cuda
