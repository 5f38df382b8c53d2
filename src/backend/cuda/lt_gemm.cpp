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

}  // namespace flopwall::cuda
