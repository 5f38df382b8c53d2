#pragma once
// Ordered name → value pairs: library versions, captured environment, /meta.
#include <string>
#include <utility>
#include <vector>

namespace flopwall {

using KeyValues = std::vector<std::pair<std::string, std::string>>;

}  // namespace flopwall
