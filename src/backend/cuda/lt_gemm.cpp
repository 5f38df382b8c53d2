#include "backend/cuda/lt_gemm.hpp"

#include <fmt/format.h>

#include <stdexcept>
#include <string>

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

// One prepared cuBLASLt matmul D = op(first)·op(second), column-major, in
// place of C: both GEMM forms below are one of these.
struct LtMatmul {
  cublasLtHandle_t handle = nullptr;
  cublasLtMatmulDesc_t op = nullptr;
  cublasLtMatrixLayout_t first = nullptr, second = nullptr, c = nullptr;
  cublasLtMatmulAlgo_t algo{};
  void* workspace = nullptr;
  std::size_t workspace_bytes = 0;

  LtMatmul(const LtHandle& h, const TypeChoice& t, cublasOperation_t op_first, cublasOperation_t op_second,
           void* workspace_, std::size_t workspace_bytes_)
      : handle(h.get()), workspace(workspace_), workspace_bytes(workspace_bytes_) {
    FLOPWALL_CUBLAS_CHECK(cublasLtMatmulDescCreate(&op, t.compute, CUDA_R_32F));
    FLOPWALL_CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(op, CUBLASLT_MATMUL_DESC_TRANSA, &op_first, sizeof op_first));
    FLOPWALL_CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(op, CUBLASLT_MATMUL_DESC_TRANSB, &op_second, sizeof op_second));
  }
  LtMatmul(const LtMatmul&) = delete;
  LtMatmul& operator=(const LtMatmul&) = delete;
  ~LtMatmul() {
    if (c) static_cast<void>(cublasLtMatrixLayoutDestroy(c));
    if (second) static_cast<void>(cublasLtMatrixLayoutDestroy(second));
    if (first) static_cast<void>(cublasLtMatrixLayoutDestroy(first));
    if (op) static_cast<void>(cublasLtMatmulDescDestroy(op));
  }

  // A rows×cols column-major matrix with leading dimension ld.
  static cublasLtMatrixLayout_t layout(cudaDataType_t type, std::int64_t rows, std::int64_t cols, std::int64_t ld) {
    cublasLtMatrixLayout_t l = nullptr;
    FLOPWALL_CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&l, type, static_cast<std::uint64_t>(rows),
                                                     static_cast<std::uint64_t>(cols), ld));
    return l;
  }

  // The heuristic's first algorithm for the workspace; `none` is the message
  // when there is none (NOT_SUPPORTED, or success with nothing found).
  void choose_algorithm(const std::string& none) {
    cublasLtMatmulPreference_t pref = nullptr;
    FLOPWALL_CUBLAS_CHECK(cublasLtMatmulPreferenceCreate(&pref));
    FLOPWALL_CUBLAS_CHECK(cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES,
                                                               &workspace_bytes, sizeof workspace_bytes));
    cublasLtMatmulHeuristicResult_t result{};
    int found = 0;
    const cublasStatus_t status =
        cublasLtMatmulAlgoGetHeuristic(handle, op, first, second, c, c, pref, 1, &result, &found);
    static_cast<void>(cublasLtMatmulPreferenceDestroy(pref));
    if (status != CUBLAS_STATUS_NOT_SUPPORTED) FLOPWALL_CUBLAS_CHECK(status);
    if (status == CUBLAS_STATUS_NOT_SUPPORTED || found == 0)
      throw std::runtime_error(none);
    algo = result.algo;
  }

  void run(const void* first_data, const void* second_data, void* out, cudaStream_t stream) const {
    const float alpha = 1.0f, beta = 0.0f;
    FLOPWALL_CUBLAS_CHECK(cublasLtMatmul(handle, op, &alpha, first_data, first, second_data, second, &beta, out, c,
                                         out, c, &algo, workspace, workspace_bytes, stream));
  }
};

struct LtGemm::Descriptors : LtMatmul {
  using LtMatmul::LtMatmul;
};

LtGemm::LtGemm(const LtHandle& handle, DType dtype, std::int64_t m, std::int64_t n, std::int64_t k, void* workspace,
               std::size_t workspace_bytes)
    : m_d(std::make_unique<Descriptors>(handle, types_for(dtype), CUBLAS_OP_T, CUBLAS_OP_N, workspace,
                                        workspace_bytes)) {
  const TypeChoice t = types_for(dtype);
  m_d->first = LtMatmul::layout(t.ab, k, n, k);   // weight [n,k] row-major = k×n column-major, transposed by the op
  m_d->second = LtMatmul::layout(t.ab, k, m, k);  // activation [m,k] row-major = k×m column-major
  m_d->c = LtMatmul::layout(t.c, n, m, n);        // output [m,n] row-major = n×m column-major
  m_d->choose_algorithm(fmt::format("cuBLASLt has no {} algorithm for a {}x{}x{} GEMM (fp8 needs m, n, k multiples of 16)",
                                    dtype_name(dtype), m, n, k));
}

LtGemm::LtGemm(LtGemm&&) noexcept = default;
LtGemm::~LtGemm() = default;

void LtGemm::run(const void* a, const void* weight_t, void* c, cudaStream_t stream) const {
  m_d->run(weight_t, a, c, stream);
}

struct LtGemmEx::Descriptors : LtMatmul {
  using LtMatmul::LtMatmul;
};

// Cᵀ = op(B)ᵀ·op(A)ᵀ: a row-major matrix is its transpose column-major, so
// cuBLAS transposes our B exactly when we do, and likewise A.
LtGemmEx::LtGemmEx(const LtHandle& handle, DType dtype, std::int64_t m, std::int64_t n, std::int64_t k, bool trans_a,
                   bool trans_b, void* workspace, std::size_t workspace_bytes) {
  if (dtype == DType::fp8) throw std::invalid_argument("the training step's GEMMs have no fp8 path");
  const TypeChoice t = types_for(dtype);
  m_d = std::make_unique<Descriptors>(handle, t, trans_b ? CUBLAS_OP_T : CUBLAS_OP_N,
                                      trans_a ? CUBLAS_OP_T : CUBLAS_OP_N, workspace, workspace_bytes);
  // B stored [k,n] (or [n,k]) row-major = n×k (or k×n) column-major; A likewise.
  const std::int64_t b_cols = trans_b ? k : n, b_rows = trans_b ? n : k;
  const std::int64_t a_cols = trans_a ? m : k, a_rows = trans_a ? k : m;
  m_d->first = LtMatmul::layout(t.ab, b_cols, b_rows, b_cols);
  m_d->second = LtMatmul::layout(t.ab, a_cols, a_rows, a_cols);
  m_d->c = LtMatmul::layout(t.c, n, m, n);
  m_d->choose_algorithm(fmt::format("cuBLASLt has no {} algorithm for a {}x{}x{} GEMM with transposes ({}, {})",
                                    dtype_name(dtype), m, n, k, trans_a, trans_b));
}

LtGemmEx::LtGemmEx(LtGemmEx&&) noexcept = default;
LtGemmEx::~LtGemmEx() = default;

void LtGemmEx::run(const void* a, const void* b, void* c, cudaStream_t stream) const { m_d->run(b, a, c, stream); }

}  // namespace flopwall::cuda
