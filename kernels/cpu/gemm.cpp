#include <cblas.h>

#include "kernels/cpu/kernels.hpp"

namespace flopwall::kernels::cpu {
namespace {

void blas_gemm(CBLAS_TRANSPOSE tb, blasint m, blasint n, blasint k, float alpha, const float* a, blasint lda,
               const float* b, blasint ldb, float* c, blasint ldc) {
  cblas_sgemm(CblasRowMajor, CblasNoTrans, tb, m, n, k, alpha, a, lda, b, ldb, 0.0f, c, ldc);
}
void blas_gemm(CBLAS_TRANSPOSE tb, blasint m, blasint n, blasint k, double alpha, const double* a, blasint lda,
               const double* b, blasint ldb, double* c, blasint ldc) {
  cblas_dgemm(CblasRowMajor, CblasNoTrans, tb, m, n, k, alpha, a, lda, b, ldb, 0.0, c, ldc);
}

}  // namespace

template <class T>
void gemm(bool trans_b, std::int64_t m, std::int64_t n, std::int64_t k, T alpha, const T* a, std::int64_t lda,
          const T* b, std::int64_t ldb, T* c, std::int64_t ldc) {
  blas_gemm(trans_b ? CblasTrans : CblasNoTrans, static_cast<blasint>(m), static_cast<blasint>(n),
            static_cast<blasint>(k), alpha, a, static_cast<blasint>(lda), b, static_cast<blasint>(ldb), c,
            static_cast<blasint>(ldc));
}

template void gemm<float>(bool, std::int64_t, std::int64_t, std::int64_t, float, const float*, std::int64_t,
                          const float*, std::int64_t, float*, std::int64_t);
template void gemm<double>(bool, std::int64_t, std::int64_t, std::int64_t, double, const double*, std::int64_t,
                           const double*, std::int64_t, double*, std::int64_t);

}  // namespace flopwall::kernels::cpu
