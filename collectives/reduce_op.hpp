#pragma once
// Reduction operators of the collectives, spelled as nccl-tests spells them (-o sum).
#include <cstdint>
#include <string_view>

namespace flopwall {

enum class ReduceOp : std::uint8_t { sum, prod, min, max, avg };

std::string_view reduce_op_name(ReduceOp op) noexcept;
// Throws UsageError naming the valid spellings.
ReduceOp parse_reduce_op(std::string_view text);

}  // namespace flopwall
