#pragma once
// A stand-in for OpenBLAS's cblas_sbgemm, for tests on machines whose
// OpenBLAS lacks it (Debian's 0.3.21 is built without BUILD_BFLOAT16): the
// same signature and row-major semantics, products of bf16 values (exact in
// float) accumulated in float as sbgemm does. It lets the bf16 device path
// (scratch, rounding, attention, collectives) run end to end in CI; the
// real library's sbgemm is checked against a double reference where present.
#include <cblas.h>

#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/bfloat16.hpp"
#include "kernels/cpu/bf16_gemm.hpp"

namespace flopwall::testing {

inline void reference_sbgemm(CBLAS_ORDER order, CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, blasint m, blasint n,
                             blasint k, float alpha, const bfloat16* a, blasint lda, const bfloat16* b, blasint ldb,
                             float beta, float* c, blasint ldc) {
  if (order != CblasRowMajor) std::abort();  // the device only calls row-major
  auto value = [](const bfloat16* p, std::int64_t i) { return static_cast<float>(BFloat16::from_bits(p[i])); };
  for (std::int64_t i = 0; i < m; ++i)
    for (std::int64_t j = 0; j < n; ++j) {
      float acc = 0.0f;
      for (std::int64_t p = 0; p < k; ++p) {
        const float av = ta == CblasTrans ? value(a, p * lda + i) : value(a, i * lda + p);
        const float bv = tb == CblasTrans ? value(b, j * ldb + p) : value(b, p * ldb + j);
        acc += av * bv;
      }
      float& out = c[i * ldc + j];
      out = alpha * acc + (beta == 0.0f ? 0.0f : beta * out);
    }
}

// A symbol resolver that offers the stand-in as cblas_sbgemm and nothing else.
inline kernels::cpu::SymbolResolver reference_blas() {
  return [](const char* name) -> void* {
    return std::string_view(name) == "cblas_sbgemm" ? reinterpret_cast<void*>(&reference_sbgemm) : nullptr;
  };
}

// One without it, as an OpenBLAS built without BUILD_BFLOAT16.
inline kernels::cpu::SymbolResolver blas_without_sbgemm() {
  return [](const char*) -> void* { return nullptr; };
}

}  // namespace flopwall::testing
