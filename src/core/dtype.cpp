#include "core/dtype.hpp"

#include <fmt/format.h>

#include "core/error.hpp"

namespace flopwall {

std::int64_t dtype_size_bytes(DType t) noexcept {
  switch (t) {
    case DType::fp32: return 4;
    case DType::fp64: return 8;
  }
  return 0;
}

std::string_view dtype_name(DType t) noexcept {
  switch (t) {
    case DType::fp32: return "fp32";
    case DType::fp64: return "fp64";
  }
  return "?";
}

DType parse_dtype(std::string_view text) {
  if (text == "fp32") return DType::fp32;
  if (text == "fp64") return DType::fp64;
  throw UsageError(fmt::format("--dtype '{}' is not valid; valid: fp32, fp64", text));
}

}  // namespace flopwall
