#pragma once
// The one vocabulary of element types: what a buffer holds, whether a
// kernel computes on it, a collective moves it or a check decodes it. Spelled
// as nccl-tests spells them (-d float, ...). Each transport maps it to its
// library's types once (transport/mpi/mpi_types.hpp, transport/nccl/nccl_types.hpp),
// and a run's --dtype maps to it once (core/dtype.hpp). C++17 too: the CUDA
// kernels name their buffers' types with it.
#include <cstdint>
#include <string>
#include <string_view>

namespace flopwall {

// fp8_e4m3: fp8 runs' GEMM operands; never moved by a collective, so the
// sweep's --datatype does not offer it.
enum class ElementType : std::uint8_t {
  int8, uint8, int32, uint32, int64, uint64, half, float32, float64, bfloat16, fp8_e4m3
};

std::string_view element_type_name(ElementType t) noexcept;  // "float", "half", "int32", ...
std::int64_t element_type_size(ElementType t) noexcept;
bool is_integer(ElementType t) noexcept;
// Throws UsageError naming the valid spellings (the sweepable types).
ElementType parse_element_type(std::string_view text);

}  // namespace flopwall
