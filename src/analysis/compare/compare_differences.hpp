#pragma once
// What the compared runs were made with that is not the same in all of
// them: kind, world size, nodes, backend, tool version, each configuration
// key, each /meta key (hardware, libraries, topology preset) and each
// recorded environment variable. A job's identity (its ids, ports, the
// launcher's own variables) differs between any two runs and is left out.
#include <vector>

#include "analysis/compare/comparison.hpp"

namespace flopwall {

std::vector<CompareDifference> run_differences(const std::vector<CompareRun>& runs);

}  // namespace flopwall
