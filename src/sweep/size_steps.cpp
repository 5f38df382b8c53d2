#include "sweep/size_steps.hpp"

#include <algorithm>
#include <cmath>

#include "core/checked_math.hpp"

namespace flopwall {

std::optional<std::int64_t> next_size(std::int64_t size, std::int64_t max_bytes, double factor, std::int64_t step_bytes) {
  if (size >= max_bytes) return std::nullopt;
  std::int64_t next = 0;
  if (step_bytes > 0) {
    const auto sum = checked_add(size, step_bytes);
    if (!sum) return std::nullopt;
    next = *sum;
  } else {
    // At or past 2^63 llround is undefined, and the size is past any max
    // anyway; NaN compares false and ends the sweep too.
    const double grown = static_cast<double>(size) * factor;
    if (!(grown < 0x1p63)) return std::nullopt;
    // A zero start cannot grow by a factor; step to one byte as nccl-tests does.
    next = std::max<std::int64_t>(size + 1, static_cast<std::int64_t>(std::llround(grown)));
  }
  if (next > max_bytes) return std::nullopt;
  return next;
}

std::vector<std::int64_t> size_steps(std::int64_t min_bytes, std::int64_t max_bytes, double factor,
                                     std::int64_t step_bytes) {
  std::vector<std::int64_t> sizes;
  if (min_bytes > max_bytes) return sizes;
  for (std::optional<std::int64_t> s = min_bytes; s; s = next_size(*s, max_bytes, factor, step_bytes))
    sizes.push_back(*s);
  return sizes;
}

std::int64_t size_step_count(std::int64_t min_bytes, std::int64_t max_bytes, double factor, std::int64_t step_bytes) {
  if (min_bytes > max_bytes) return 0;
  // Additive steps: a formula, since -i 1 over a wide range is exactly the
  // case that must not be walked.
  if (step_bytes > 0) {
    // max ≥ min, so the difference fits uint64 even from a negative min.
    const std::uint64_t span = static_cast<std::uint64_t>(max_bytes) - static_cast<std::uint64_t>(min_bytes);
    return static_cast<std::int64_t>(std::min<std::uint64_t>(span / static_cast<std::uint64_t>(step_bytes) + 1,
                                                             k_max_sweep_sizes + 1));
  }
  std::int64_t count = 0;
  for (std::optional<std::int64_t> s = min_bytes; s && count <= k_max_sweep_sizes;
       s = next_size(*s, max_bytes, factor, step_bytes))
    ++count;
  return count;
}

}  // namespace flopwall
