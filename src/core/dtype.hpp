#pragma once
// Element types a run computes in. The CPU backend supports fp32 and fp64.
#include <cstdint>
#include <string>
#include <string_view>

namespace flopwall {

enum class DType : std::uint8_t { fp32, fp64 };

std::int64_t dtype_size_bytes(DType t) noexcept;
std::string_view dtype_name(DType t) noexcept;
// Throws UsageError naming the valid spellings.
DType parse_dtype(std::string_view text);

}  // namespace flopwall
