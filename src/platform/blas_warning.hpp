#pragma once
// The one warning line about a BLAS fallback kernel, as `run`, `collectives`
// and `report` print it: the kernel in use, the better one the CPU supports,
// the variable that selects it, and on which nodes.
#include <optional>
#include <string>
#include <vector>

#include "platform/machine_json.hpp"

namespace flopwall {

// Nothing when every node class runs the best kernel its CPU supports.
std::optional<std::string> blas_fallback_warning(const std::vector<NodeClass>& classes);

// Whether any node class runs a fallback kernel (the report marks that run's
// CPU GEMM figures).
bool any_blas_fallback(const std::vector<NodeClass>& classes);

}  // namespace flopwall
