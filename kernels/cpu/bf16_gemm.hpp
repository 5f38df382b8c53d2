#pragma once
// bf16 GEMMs on the CPU through OpenBLAS's cblas_sbgemm (bf16 A and B, fp32
// C). OpenBLAS exports it only when built with BUILD_BFLOAT16=1 (Debian's
// 0.3.21 is not), so it is looked up in the loaded library at run time rather
// than linked: a binary built against one OpenBLAS runs on another.
#include <cblas.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/bfloat16.hpp"

namespace flopwall::kernels::cpu {

// cblas_sbgemm's type, from the header (the symbol itself is not referenced).
using SbgemmFn = decltype(&cblas_sbgemm);
// Resolves a symbol name to its address, nullptr when absent (dlsym's contract).
using SymbolResolver = std::function<void*(const char* name)>;

// cblas_sbgemm through `resolve`, or nullptr when it does not provide it.
SbgemmFn find_sbgemm(const SymbolResolver& resolve);
// Looks symbols up in the OpenBLAS this process loaded (the library that
// defines cblas_sgemm), not in whatever else is loaded.
SymbolResolver openblas_symbols();
// That library's file, for messages ("?" when the loader cannot tell).
std::string openblas_library_path();

// C[m,n] (bf16) = alpha · A[m,k] · op(B), A and B bf16: sbgemm writes an fp32
// C into a scratch, then each element is rounded to bf16 into C. The scratch
// is sized once, before the timed loop (reserve); a GEMM larger than it is a
// programming error and throws instead of allocating in the loop.
class Bf16Gemm {
 public:
  explicit Bf16Gemm(SbgemmFn fn) : m_fn(fn) {}
  // Grows the scratch to hold `output_elements` fp32 values.
  void reserve(std::int64_t output_elements);
  void operator()(bool trans_b, std::int64_t m, std::int64_t n, std::int64_t k, float alpha, const BFloat16* a,
                  std::int64_t lda, const BFloat16* b, std::int64_t ldb, BFloat16* c, std::int64_t ldc);

 private:
  SbgemmFn m_fn;
  std::vector<float> m_scratch;
};

}  // namespace flopwall::kernels::cpu
