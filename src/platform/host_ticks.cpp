#include "platform/host_ticks.hpp"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

namespace flopwall::host_ticks {

// CPUID 0x80000007, EDX bit 8: the TSC ticks at a constant rate in every
// power state and is synchronised across cores (what Linux calls nonstop_tsc).
bool invariant_tsc() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (__get_cpuid_max(0x80000000, nullptr) < 0x80000007) return false;
  __get_cpuid(0x80000007, &eax, &ebx, &ecx, &edx);
  return (edx & (1u << 8)) != 0;
#else
  return false;
#endif
}

Anchor anchor() noexcept {
  const std::int64_t before = now();
  const std::int64_t ns = steady_now_ns();
  const std::int64_t after = now();
  return {.ticks = before + (after - before) / 2, .ns = ns};
}

std::int64_t to_ns(std::int64_t ticks, const Anchor& a, const Anchor& b) noexcept {
  if (b.ticks == a.ticks) return a.ns + (ticks - a.ticks);  // no tick source: ticks are ns
  // In double, not long double: x87 conversions cost 100 ns and more in a
  // process that has loaded Open MPI (measured in bench/record_overhead.cpp
  // when it linked libmpi), and a double holds tick differences exactly up
  // to 2^53 ticks, weeks of TSC.
  const double slope = static_cast<double>(b.ns - a.ns) / static_cast<double>(b.ticks - a.ticks);
  return a.ns + static_cast<std::int64_t>(static_cast<double>(ticks - a.ticks) * slope);
}

}  // namespace flopwall::host_ticks
