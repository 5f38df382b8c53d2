#pragma once
// `--iters A:B`: the timed iterations an export keeps, half-open [A, B).
// Either side may be left out (":100" is [0, 100), "50:" is 50 onwards).
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

namespace flopwall {

struct IterationRange {
  static constexpr std::int64_t k_open_end = std::numeric_limits<std::int64_t>::max();
  std::int64_t first = 0;
  std::int64_t end = k_open_end;  // one past the last kept iteration

  bool contains(std::int64_t iter) const noexcept { return iter >= first && iter < end; }
  bool whole() const noexcept { return first == 0 && end == k_open_end; }
  // "A:B", B left out when open: "0:", "0:100", "50:60".
  std::string text() const;
};

// The range `text` names, or the one-line UsageError "--iters '5:3' is not
// valid; give A:B with integers 0 <= A < B (either may be left out: ':100',
// '50:')". Iterations are int32 in a trace, so larger bounds are refused.
IterationRange parse_iteration_range(std::string_view text);

}  // namespace flopwall
