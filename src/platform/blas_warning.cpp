#include "platform/blas_warning.hpp"

#include <fmt/format.h>

namespace flopwall {
namespace {

std::string host_list(const NodeClass& c) {
  constexpr std::size_t shown = 4;
  std::string s;
  for (std::size_t i = 0; i < c.hosts.size() && i < shown; ++i) s += (i ? "," : "") + c.hosts[i];
  if (c.hosts.size() > shown) s += fmt::format(",… ({} more)", c.hosts.size() - shown);
  return s;
}

}  // namespace

bool any_blas_fallback(const std::vector<NodeClass>& classes) {
  for (const NodeClass& c : classes)
    if (c.inventory.blas.fallback) return true;
  return false;
}

std::optional<std::string> blas_fallback_warning(const std::vector<NodeClass>& classes) {
  const NodeClass* first = nullptr;
  int nodes = 0;
  for (const NodeClass& c : classes)
    if (c.inventory.blas.fallback) {
      if (!first) first = &c;
      nodes += c.count;
    }
  if (!first) return std::nullopt;
  const BlasKernel& b = first->inventory.blas;
  return fmt::format(
      "warning: {} runs its {} kernel ({}) on {} node{} ({}), but this CPU supports {} ({}): set {}={} for its "
      "speed; CPU GEMM figures of this run are from a fallback kernel",
      b.library, b.chosen, b.chosen_isa, nodes, nodes == 1 ? "" : "s", host_list(*first), b.best, b.best_isa,
      b.selector, b.best);
}

}  // namespace flopwall
