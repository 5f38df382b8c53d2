#include "sweep/size_steps.hpp"

#include <algorithm>
#include <cmath>

namespace flopwall {

std::vector<std::int64_t> size_steps(std::int64_t min_bytes, std::int64_t max_bytes, double factor,
                                     std::int64_t step_bytes) {
  std::vector<std::int64_t> sizes;
  for (std::int64_t s = min_bytes; s <= max_bytes;) {
    sizes.push_back(s);
    // A zero start cannot grow by a factor; step to one byte as nccl-tests does.
    const std::int64_t next = step_bytes > 0 ? s + step_bytes
                                             : std::max<std::int64_t>(s + 1, static_cast<std::int64_t>(std::llround(static_cast<double>(s) * factor)));
    s = next;
  }
  return sizes;
}

}  // namespace flopwall
