#include "core/op_kind.hpp"

#include <array>

namespace flopwall {

std::string_view op_kind_name(OpKind k) noexcept {
  switch (k) {
    case OpKind::compute: return "compute";
    case OpKind::comm: return "comm";
    case OpKind::memory: return "memory";
    case OpKind::idle: return "idle";
  }
  return "?";
}

std::optional<OpKind> parse_op_kind(std::string_view name) noexcept {
  for (OpKind k : std::array{OpKind::compute, OpKind::comm, OpKind::memory, OpKind::idle})
    if (op_kind_name(k) == name) return k;
  return std::nullopt;
}

}  // namespace flopwall
