#include "runtime/progress.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>

#include "core/units.hpp"

namespace flopwall {
namespace {
// A terminal is redrawn at most this often so printing never shows in timings.
constexpr std::int64_t k_live_interval_ns = 200'000'000;
}

Progress::Progress(int total_iterations, bool enabled)
    : m_total(total_iterations), m_enabled(enabled && total_iterations > 0), m_live(isatty(STDERR_FILENO) == 1) {}

void Progress::update(int done, std::int64_t elapsed_ns) {
  if (!m_enabled) return;
  const bool last = done == m_total;
  if (m_live) {
    if (!last && m_last_live_ns >= 0 && elapsed_ns - m_last_live_ns < k_live_interval_ns) return;
    m_last_live_ns = elapsed_ns;
  } else {
    if (done * 10 < m_next_decile * m_total) return;
    while (m_next_decile * m_total <= done * 10) ++m_next_decile;
  }
  const double elapsed_s = static_cast<double>(elapsed_ns) / units::k_ns_per_s;
  const double remaining_s = elapsed_s / done * (m_total - done);
  fmt::print(stderr, "{}iteration {}/{}  elapsed {}  remaining ~{}{}", m_live ? "\r" : "", done, m_total,
             units::seconds(elapsed_s), units::seconds(remaining_s), m_live ? "\033[K" : "\n");
  std::fflush(stderr);
}

void Progress::finish() {
  if (m_enabled && m_live) fmt::print(stderr, "\n");
}

}  // namespace flopwall
