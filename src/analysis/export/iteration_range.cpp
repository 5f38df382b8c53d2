#include "analysis/export/iteration_range.hpp"

#include <fmt/format.h>

#include <charconv>
#include <optional>

#include "core/error.hpp"

namespace flopwall {
namespace {

// A trace's iterations are int32 (docs/trace-format.md, "events"); B may be
// one past the largest.
constexpr std::int64_t k_max_bound = std::int64_t{std::numeric_limits<std::int32_t>::max()} + 1;

// The whole of `side` as a non-negative integer within k_max_bound, or nothing.
std::optional<std::int64_t> bound(std::string_view side) {
  std::int64_t v = 0;
  const char* end = side.data() + side.size();
  const auto [stop, ec] = std::from_chars(side.data(), end, v);
  if (ec != std::errc() || stop != end || v < 0 || v > k_max_bound) return std::nullopt;
  return v;
}

}  // namespace

std::string IterationRange::text() const {
  return fmt::format("{}:{}", first, end == k_open_end ? std::string() : std::to_string(end));
}

IterationRange parse_iteration_range(std::string_view text) {
  const auto refuse = [&](std::string_view why) -> IterationRange {
    throw UsageError(fmt::format("--iters '{}' is not valid: {}; give A:B with integers 0 <= A < B <= {} "
                                 "(either may be left out: ':100', '50:')",
                                 text, why, k_max_bound));
  };
  const std::size_t colon = text.find(':');
  if (colon == std::string_view::npos || text.find(':', colon + 1) != std::string_view::npos)
    return refuse("it needs exactly one ':'");
  const std::string_view a = text.substr(0, colon), b = text.substr(colon + 1);
  IterationRange r;
  if (!a.empty()) {
    const auto v = bound(a);
    if (!v) return refuse(fmt::format("'{}' is not an iteration", a));
    r.first = *v;
  }
  if (!b.empty()) {
    const auto v = bound(b);
    if (!v) return refuse(fmt::format("'{}' is not an iteration", b));
    r.end = *v;
  }
  if (r.first >= r.end) return refuse("A must be below B");
  return r;
}

}  // namespace flopwall
