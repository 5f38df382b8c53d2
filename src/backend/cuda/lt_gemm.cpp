#include "backend/cuda/lt_gemm.hpp"

#include <fmt/format.h>

#include <stdexcept>

#include "platform/cuda/cuda_check.hpp"

namespace flopwall::cuda {
namespace {

struct TypeChoice {
  cudaDataType_t ab, c;
  cublasComputeType_t compute;
};

// Inputs in the run's type, accumulation always in fp32 (tf32 via the
// tensor-core fast path; fp8 e4m3 inputs write bf16, as Transformer Engine).
TypeChoice types_for(DType dtype) {
  switch (dtype) {
    case DType::fp32: return {CUDA_R_32F, CUDA_R_32F, CUBLAS_COMPUTE_32F};
    case DType::tf32: return {CUDA_R_32F, CUDA_R_32F, CUBLAS_COMPUTE_32F_FAST_TF32};
    case DType::fp16: return {CUDA_R_16F, CUDA_R_16F, CUBLAS_COMPUTE_32F};
    case DType::bf16: return {CUDA_R_16BF, CUDA_R_16BF, CUBLAS_COMPUTE_32F};
    case DType::fp8: return {CUDA_R_8F_E4M3, CUDA_R_16BF, CUBLAS_COMPUTE_32F};
    case DType::fp64: break;
  }
  throw std::invalid_argument("the cuda backend has no fp64 GEMM path");
}

}  // namespace

LtHandle::LtHandle() { FLOPWALL_CUBLAS_CHECK(cublasLtCreate(&m_handle)); }
LtHandle::~LtHandle() { static_cast<void>(cublasLtDestroy(m_handle)); }

struct LtGemm::Descriptors {
  cublasLtHandle_t handle = nullptr;
  cublasLtMatmulDesc_t op = nullptr;
  cublasLtMatrixLayout_t w = nullptr, a = nullptr, c = nullptr;
  cublasLtMatmulAlgo_t algo{};
  void* workspace = nullptr;
  std::size_t workspace_bytes = 0;

  ~Descriptors() {
    if (c) static_cast<void>(cublasLtMatrixLayoutDestroy(c));
    if (a) static_cast<void>(cublasLtMatrixLayoutDestroy(a));
    if (w) static_cast<void>(cublasLtMatrixLayoutDestroy(w));
    if (op) static_cast<void>(cublasLtMatmulDescDestroy(op));
  }
};

LtGemm::LtGemm(const LtHandle& handle, DType dtype, std::int64_t m, std::int64_t n, std::int64_t k, void* workspace,
               std::size_t workspace_bytes)
    : m_d(std::make_unique<Descriptors>()) {
  const TypeChoice t = types_for(dtype);
  m_d->handle = handle.get();
  m_d->workspace = workspace;
  m_d->workspace_bytes = workspace_bytes;
  FLOPWALL_CUBLAS_CHECK(cublasLtMatmulDescCreate(&m_d->op, t.compute, CUDA_R_32F));
  const cublasOperation_t transpose = CUBLAS_OP_T, keep = CUBLAS_OP_N;
  FLOPWALL_CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(m_d->op, CUBLASLT_MATMUL_DESC_TRANSA, &transpose, sizeof transpose));
  FLOPWALL_CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(m_d->op, CUBLASLT_MATMUL_DESC_TRANSB, &keep, sizeof keep));
  // Weight [n,k] row-major = k×n column-major (ld k), transposed by the op.
  FLOPWALL_CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&m_d->w, t.ab, static_cast<std::uint64_t>(k),
                                                   static_cast<std::uint64_t>(n), k));
  // Activation [m,k] row-major = k×m column-major (ld k).
  FLOPWALL_CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&m_d->a, t.ab, static_cast<std::uint64_t>(k),
                                                   static_cast<std::uint64_t>(m), k));
  // Output [m,n] row-major = n×m column-major (ld n).
  FLOPWALL_CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&m_d->c, t.c, static_cast<std::uint64_t>(n),
                                                   static_cast<std::uint64_t>(m), n));

  cublasLtMatmulPreference_t pref = nullptr;
  FLOPWALL_CUBLAS_CHECK(cublasLtMatmulPreferenceCreate(&pref));
  FLOPWALL_CUBLAS_CHECK(cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES,
                                                             &workspace_bytes, sizeof workspace_bytes));
  cublasLtMatmulHeuristicResult_t result{};
  int found = 0;
  const cublasStatus_t status =
      cublasLtMatmulAlgoGetHeuristic(m_d->handle, m_d->op, m_d->w, m_d->a, m_d->c, m_d->c, pref, 1, &result, &found);
  static_cast<void>(cublasLtMatmulPreferenceDestroy(pref));
  // No algorithm for these types and sizes comes back as NOT_SUPPORTED, not
  // as success with nothing found; both get the message that says why.
  if (status != CUBLAS_STATUS_NOT_SUPPORTED) FLOPWALL_CUBLAS_CHECK(status);
  if (status == CUBLAS_STATUS_NOT_SUPPORTED || found == 0)
    throw std::runtime_error(fmt::format("cuBLASLt has no {} algorithm for a {}x{}x{} GEMM (fp8 needs m, n, k "
                                         "multiples of 16)", dtype_name(dtype), m, n, k));
  m_d->algo = result.algo;
}

LtGemm::LtGemm(LtGemm&&) noexcept = default;
LtGemm::~LtGemm() = default;

void LtGemm::run(const void* a, const void* weight_t, void* c, cudaStream_t stream) const {
  const float alpha = 1.0f, beta = 0.0f;
  FLOPWALL_CUBLAS_CHECK(cublasLtMatmul(m_d->handle, m_d->op, &alpha, weight_t, m_d->w, a, m_d->a, &beta, c, m_d->c, c,
                                       m_d->c, &m_d->algo, m_d->workspace, m_d->workspace_bytes, stream));
}

struct LtGemmEx::Descriptors {
  cublasLtHandle_t handle = nullptr;
  cublasLtMatmulDesc_t op = nullptr;
  cublasLtMatrixLayout_t first = nullptr, second = nullptr, c = nullptr;  // cuBLAS's A (our B), B (our A), C
  cublasLtMatmulAlgo_t algo{};
  void* workspace = nullptr;
  std::size_t workspace_bytes = 0;

  ~Descriptors() {
    if (c) static_cast<void>(cublasLtMatrixLayoutDestroy(c));
    if (second) static_cast<void>(cublasLtMatrixLayoutDestroy(second));
    if (first) static_cast<void>(cublasLtMatrixLayoutDestroy(first));
    if (op) static_cast<void>(cublasLtMatmulDescDestroy(op));
  }
};

LtGemmEx::LtGemmEx(const LtHandle& handle, DType dtype, std::int64_t m, std::int64_t n, std::int64_t k, bool trans_a,
                   bool trans_b, void* workspace, std::size_t workspace_bytes)
    : m_d(std::make_unique<Descriptors>()) {
  if (dtype == DType::fp8) throw std::invalid_argument("the training step's GEMMs have no fp8 path");
  const TypeChoice t = types_for(dtype);
  m_d->handle = handle.get();
  m_d->workspace = workspace;
  m_d->workspace_bytes = workspace_bytes;
  FLOPWALL_CUBLAS_CHECK(cublasLtMatmulDescCreate(&m_d->op, t.compute, CUDA_R_32F));
  // Cᵀ = op(B)ᵀ·op(A)ᵀ: a row-major matrix is its transpose column-major, so
  // cuBLAS transposes our B exactly when we do, and likewise A.
  const cublasOperation_t op_first = trans_b ? CUBLAS_OP_T : CUBLAS_OP_N;
  const cublasOperation_t op_second = trans_a ? CUBLAS_OP_T : CUBLAS_OP_N;
  FLOPWALL_CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(m_d->op, CUBLASLT_MATMUL_DESC_TRANSA, &op_first, sizeof op_first));
  FLOPWALL_CUBLAS_CHECK(
      cublasLtMatmulDescSetAttribute(m_d->op, CUBLASLT_MATMUL_DESC_TRANSB, &op_second, sizeof op_second));
  const auto u = [](std::int64_t v) { return static_cast<std::uint64_t>(v); };
  // B stored [k,n] (or [n,k]) row-major = n×k (or k×n) column-major.
  const std::int64_t b_cols = trans_b ? k : n, b_rows = trans_b ? n : k;
  FLOPWALL_CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&m_d->first, t.ab, u(b_cols), u(b_rows), b_cols));
  // A stored [m,k] (or [k,m]) row-major = k×m (or m×k) column-major.
  const std::int64_t a_cols = trans_a ? m : k, a_rows = trans_a ? k : m;
  FLOPWALL_CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&m_d->second, t.ab, u(a_cols), u(a_rows), a_cols));
  FLOPWALL_CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&m_d->c, t.c, u(n), u(m), n));

  cublasLtMatmulPreference_t pref = nullptr;
  FLOPWALL_CUBLAS_CHECK(cublasLtMatmulPreferenceCreate(&pref));
  FLOPWALL_CUBLAS_CHECK(cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES,
                                                             &workspace_bytes, sizeof workspace_bytes));
  cublasLtMatmulHeuristicResult_t result{};
  int found = 0;
  const cublasStatus_t status = cublasLtMatmulAlgoGetHeuristic(m_d->handle, m_d->op, m_d->first, m_d->second, m_d->c,
                                                               m_d->c, pref, 1, &result, &found);
  static_cast<void>(cublasLtMatmulPreferenceDestroy(pref));
  if (status != CUBLAS_STATUS_NOT_SUPPORTED) FLOPWALL_CUBLAS_CHECK(status);
  if (status == CUBLAS_STATUS_NOT_SUPPORTED || found == 0)
    throw std::runtime_error(fmt::format("cuBLASLt has no {} algorithm for a {}x{}x{} GEMM with transposes ({}, {})",
                                         dtype_name(dtype), m, n, k, trans_a, trans_b));
  m_d->algo = result.algo;
}

LtGemmEx::LtGemmEx(LtGemmEx&&) noexcept = default;
LtGemmEx::~LtGemmEx() = default;

void LtGemmEx::run(const void* a, const void* b, void* c, cudaStream_t stream) const {
  const float alpha = 1.0f, beta = 0.0f;
  FLOPWALL_CUBLAS_CHECK(cublasLtMatmul(m_d->handle, m_d->op, &alpha, b, m_d->first, a, m_d->second, &beta, c, m_d->c,
                                       c, m_d->c, &m_d->algo, m_d->workspace, m_d->workspace_bytes, stream));
}

}  // namespace flopwall::cuda
