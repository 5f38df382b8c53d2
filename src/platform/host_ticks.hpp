#pragma once
// Cheap host timestamps for the hot loops. Where the CPU has an invariant
// TSC, a stamp is one rdtsc (about 12 ns on the development VM, against
// 31 ns for a vDSO steady_clock read); ticks become steady-clock nanoseconds
// afterwards, by linear interpolation between two anchors (a tick count and
// a steady-clock reading taken together) bracketing the batch. Elsewhere a
// stamp is the steady clock itself and the conversion is the identity.
#include <cstdint>

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#endif

#include "platform/steady_clock.hpp"

namespace flopwall::host_ticks {

bool invariant_tsc() noexcept;

inline std::int64_t now() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  static const bool tsc = invariant_tsc();
  if (tsc) return static_cast<std::int64_t>(__rdtsc());
#endif
  return steady_now_ns();
}

struct Anchor {
  std::int64_t ticks = 0;
  std::int64_t ns = 0;
};

// A steady-clock reading and the tick count at the same moment.
Anchor anchor() noexcept;

// Steady-clock ns of `ticks`, interpolated between anchors `a` and `b`.
std::int64_t to_ns(std::int64_t ticks, const Anchor& a, const Anchor& b) noexcept;

}  // namespace flopwall::host_ticks
