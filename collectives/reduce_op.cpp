#include "collectives/reduce_op.hpp"

#include <fmt/format.h>

#include <array>

#include "core/error.hpp"

namespace flopwall {

std::string_view reduce_op_name(ReduceOp op) noexcept {
  switch (op) {
    case ReduceOp::sum: return "sum";
    case ReduceOp::prod: return "prod";
    case ReduceOp::min: return "min";
    case ReduceOp::max: return "max";
    case ReduceOp::avg: return "avg";
  }
  return "?";
}

ReduceOp parse_reduce_op(std::string_view text) {
  for (ReduceOp op : std::array{ReduceOp::sum, ReduceOp::prod, ReduceOp::min, ReduceOp::max, ReduceOp::avg})
    if (text == reduce_op_name(op)) return op;
  throw UsageError(fmt::format("--op '{}' is not valid; valid: sum, prod, min, max, avg", text));
}

}  // namespace flopwall
