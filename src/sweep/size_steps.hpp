#pragma once
// The sizes a sweep visits: min, then ×factor (or +step bytes) up to max.
#include <cstdint>
#include <vector>

namespace flopwall {

std::vector<std::int64_t> size_steps(std::int64_t min_bytes, std::int64_t max_bytes, double factor,
                                     std::int64_t step_bytes);

}  // namespace flopwall
