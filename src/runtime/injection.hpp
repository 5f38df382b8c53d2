#pragma once
// Delays injected on purpose, to prove the synchronization analysis finds
// what was put there: --inject-delay RANK:MICROSECONDS[:EVERY] and
// --inject-jitter MICROSECONDS (exponential, seeded per rank).
#include <cstdint>
#include <string>
#include <vector>

namespace flopwall {

struct InjectionConfig {
  int delay_rank = -1;          // -1: no fixed delay
  double delay_us = 0;
  int delay_every = 1;          // every EVERY-th timed iteration, from iteration 0
  double jitter_mean_us = 0;    // 0: no jitter
  std::uint64_t seed = 0x5eed;  // jitter stream: seed ^ rank
  bool active() const noexcept { return delay_rank >= 0 || jitter_mean_us > 0; }
};

// The longest injected wait, fixed delay or jitter mean, in microseconds
// (10 s). The injection exists to show the analysis finds a delay; a longer
// one only stalls the job (and inf or 1e300 would overflow the ns count).
inline constexpr double k_max_injected_us = 1e7;

// "RANK:MICROSECONDS[:EVERY]" with RANK in [0, 2147483647] (the job's size is
// checked later), MICROSECONDS finite in [0, k_max_injected_us] and EVERY in
// [1, 2147483647]; throws UsageError naming the value and what is valid.
void parse_inject_delay(const std::string& text, InjectionConfig& into);

// This rank's busy-wait before each of `iterations` timed iterations, in ns.
std::vector<std::int64_t> injected_delays_ns(const InjectionConfig& c, int rank, int iterations);

// Spins (no sleep: a sleeping rank would hand its core away) for `ns`.
void busy_wait_ns(std::int64_t ns) noexcept;

}  // namespace flopwall
