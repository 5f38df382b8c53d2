#include "runtime/injection.hpp"

#include <fmt/format.h>

#include <charconv>
#include <optional>
#include <random>
#include <string_view>

#include "platform/steady_timer.hpp"
#include "core/error.hpp"

namespace flopwall {

namespace {

// The whole of `text` as a T, or nothing (no sign, space or suffix allowed
// beyond what from_chars itself reads).
template <class T>
std::optional<T> whole_number(std::string_view text) {
  T value{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

void parse_inject_delay(const std::string& text, InjectionConfig& into) {
  const auto bad = [&] {
    return UsageError(fmt::format("--inject-delay '{}' is not valid; give RANK:MICROSECONDS[:EVERY] with MICROSECONDS "
                                  "in [0, {}] and EVERY >= 1, e.g. 1:500 or 1:500:10",
                                  text, k_max_injected_us));
  };
  const std::string_view all(text);
  const std::size_t first = all.find(':');
  if (first == std::string_view::npos) throw bad();
  const std::size_t second = all.find(':', first + 1);
  const auto rank = whole_number<int>(all.substr(0, first));
  const auto us = whole_number<double>(all.substr(first + 1, second == std::string_view::npos ? std::string_view::npos
                                                                                                : second - first - 1));
  const auto every = second == std::string_view::npos ? std::optional<int>(1) : whole_number<int>(all.substr(second + 1));
  // `!(us <= max)` also refuses NaN; inf is above the max.
  if (!rank || !us || !every || *rank < 0 || !(*us >= 0 && *us <= k_max_injected_us) || *every < 1) throw bad();
  into.delay_rank = *rank;
  into.delay_us = *us;
  into.delay_every = *every;
}

std::vector<std::int64_t> injected_delays_ns(const InjectionConfig& c, int rank, int iterations) {
  std::vector<std::int64_t> ns(static_cast<std::size_t>(iterations), 0);
  std::mt19937_64 rng(c.seed ^ static_cast<std::uint64_t>(rank));
  std::exponential_distribution<double> jitter(c.jitter_mean_us > 0 ? 1.0 / c.jitter_mean_us : 1.0);
  for (int i = 0; i < iterations; ++i) {
    double us = 0;
    if (rank == c.delay_rank && i % c.delay_every == 0) us += c.delay_us;
    if (c.jitter_mean_us > 0) us += jitter(rng);
    ns[static_cast<std::size_t>(i)] = static_cast<std::int64_t>(us * 1e3);
  }
  return ns;
}

void busy_wait_ns(std::int64_t ns) noexcept {
  if (ns <= 0) return;
  const std::int64_t until = steady_now_ns() + ns;
  while (steady_now_ns() < until) {
  }
}

}  // namespace flopwall
