#pragma once
// The host's monotonic clock in nanoseconds: every host timestamp flopwall
// takes is on this clock (or converted to it, platform/host_ticks.hpp).
#include <chrono>
#include <cstdint>

namespace flopwall {

inline std::int64_t steady_now_ns() noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace flopwall
