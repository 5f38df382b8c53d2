#pragma once
// Element types and reduction operators of the collective sweep, spelled as
// nccl-tests spells them (-d float, -o sum, ...).
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace flopwall {

enum class ElementType : std::uint8_t { int8, uint8, int32, uint32, int64, uint64, half, float32, float64, bfloat16 };
enum class ReduceOp : std::uint8_t { sum, prod, min, max, avg };

std::string_view element_type_name(ElementType t) noexcept;  // "float", "half", "int32", ...
std::int64_t element_type_size(ElementType t) noexcept;
bool is_integer(ElementType t) noexcept;
std::string_view reduce_op_name(ReduceOp op) noexcept;
// Throw UsageError naming the valid spellings.
ElementType parse_element_type(std::string_view text);
ReduceOp parse_reduce_op(std::string_view text);

// The value `v` as stored in type `t`: integers wrap as the hardware wraps,
// floating types are exact for the small integers the checks use.
double stored_value(ElementType t, double v) noexcept;
// Host encoding of small-integer values into a buffer of type `t` and back.
void encode(ElementType t, std::span<const double> values, void* out);
void decode(ElementType t, const void* in, std::span<double> values);

}  // namespace flopwall
