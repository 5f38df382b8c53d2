#include "core/dtype.hpp"

#include <array>
#include <fmt/format.h>

#include "core/error.hpp"

namespace flopwall {
namespace {
constexpr std::array<DType, 6> k_all{DType::fp32, DType::fp64, DType::tf32, DType::fp16, DType::bf16, DType::fp8};
}

ElementType element_type(DType t, BufferRole role) noexcept {
  switch (t) {
    case DType::fp32:
    case DType::tf32: return ElementType::float32;  // tf32 is a GEMM mode on fp32 storage
    case DType::fp64: return ElementType::float64;
    case DType::fp16: return ElementType::half;
    case DType::bf16: return ElementType::bfloat16;
    case DType::fp8: return role == BufferRole::gemm_operand ? ElementType::fp8_e4m3 : ElementType::bfloat16;
  }
  return ElementType::float32;
}

std::string_view dtype_name(DType t) noexcept {
  switch (t) {
    case DType::fp32: return "fp32";
    case DType::fp64: return "fp64";
    case DType::tf32: return "tf32";
    case DType::fp16: return "fp16";
    case DType::bf16: return "bf16";
    case DType::fp8: return "fp8";
  }
  return "?";
}

DType parse_dtype(std::string_view text) {
  for (DType t : k_all)
    if (text == dtype_name(t)) return t;
  throw UsageError(fmt::format("--dtype '{}' is not valid; valid: fp32, fp64, bf16 (cpu); fp32, tf32, fp16, bf16, fp8 (cuda)",
                               text));
}

}  // namespace flopwall
