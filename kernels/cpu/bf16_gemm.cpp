#include "kernels/cpu/bf16_gemm.hpp"

#include <dlfcn.h>

#include <memory>
#include <stdexcept>
#include <string>

#include "core/checked_math.hpp"

namespace flopwall::kernels::cpu {
namespace {

// The loaded OpenBLAS's file: dlsym finds cblas_sgemm in the library the
// process linked, and dladdr names that library.
std::string sgemm_library() {
  void* sgemm = dlsym(RTLD_DEFAULT, "cblas_sgemm");
  Dl_info info{};
  if (sgemm == nullptr || dladdr(sgemm, &info) == 0 || info.dli_fname == nullptr) return {};
  return info.dli_fname;
}

struct DlClose {
  void operator()(void* handle) const noexcept { dlclose(handle); }
};

}  // namespace

SbgemmFn find_sbgemm(const SymbolResolver& resolve) {
  return reinterpret_cast<SbgemmFn>(resolve("cblas_sbgemm"));
}

SymbolResolver openblas_symbols() {
  const std::string path = sgemm_library();
  // RTLD_NOLOAD: a handle to the library already loaded, never a second copy.
  std::shared_ptr<void> handle(path.empty() ? nullptr : dlopen(path.c_str(), RTLD_LAZY | RTLD_NOLOAD), DlClose{});
  // No handle: OpenBLAS is linked into the executable itself (a static
  // build), whose exported symbols the global scope holds.
  return [handle](const char* name) -> void* { return dlsym(handle ? handle.get() : RTLD_DEFAULT, name); };
}

std::string openblas_library_path() {
  const std::string path = sgemm_library();
  return path.empty() ? "?" : path;
}

void Bf16Gemm::reserve(std::int64_t output_elements) {
  const auto n = checked_cast<std::size_t>(output_elements);
  if (!n) throw std::invalid_argument("bf16 gemm: negative scratch size");
  if (*n > m_scratch.size()) m_scratch.resize(*n);
}

void Bf16Gemm::operator()(bool trans_b, std::int64_t m, std::int64_t n, std::int64_t k, float alpha,
                          const BFloat16* a, std::int64_t lda, const BFloat16* b, std::int64_t ldb, BFloat16* c,
                          std::int64_t ldc) {
  if (static_cast<std::size_t>(m) * static_cast<std::size_t>(n) > m_scratch.size())
    throw std::logic_error("bf16 gemm: the output is larger than the scratch reserved before the timed loop");
  // BFloat16 is a 2-byte wrapper of the bits OpenBLAS's bfloat16 (uint16_t) holds.
  m_fn(CblasRowMajor, CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans, static_cast<blasint>(m),
       static_cast<blasint>(n), static_cast<blasint>(k), alpha, reinterpret_cast<const bfloat16*>(a),
       static_cast<blasint>(lda), reinterpret_cast<const bfloat16*>(b), static_cast<blasint>(ldb), 0.0f,
       m_scratch.data(), static_cast<blasint>(n));
  for (std::int64_t i = 0; i < m; ++i) {
    const float* row = m_scratch.data() + i * n;
    BFloat16* out = c + i * ldc;
    for (std::int64_t j = 0; j < n; ++j) out[j] = BFloat16(row[j]);
  }
}

}  // namespace flopwall::kernels::cpu
