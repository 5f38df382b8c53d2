#include "runtime/injection.hpp"

#include <fmt/format.h>

#include <random>
#include <sstream>

#include "backend/steady_timer.hpp"
#include "core/error.hpp"

namespace flopwall {

void parse_inject_delay(const std::string& text, InjectionConfig& into) {
  std::istringstream in(text);
  char c1 = 0, c2 = 0;
  int rank = -1, every = 1;
  double us = -1;
  const bool ok = static_cast<bool>(in >> rank >> c1 >> us) && c1 == ':' &&
                  (in.eof() || (static_cast<bool>(in >> c2 >> every) && c2 == ':' && in.eof()));
  if (!ok || rank < 0 || us < 0 || every < 1)
    throw UsageError(fmt::format("--inject-delay '{}' is not valid; give RANK:MICROSECONDS[:EVERY], e.g. 1:500 or 1:500:10",
                                 text));
  into.delay_rank = rank;
  into.delay_us = us;
  into.delay_every = every;
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
