#pragma once
// The one place that turns numbers into human-readable text with units.
#include <cstdint>
#include <string>

namespace flopwall::units {

inline constexpr double k_ns_per_s = 1e9;

// 1.23 s, 45.6 ms, 789 us, 12.0 ns: three significant digits, fixed notation.
std::string seconds(double s);
// 1.50 GiB, 64.0 KiB, 8 B: binary prefixes for memory sizes.
std::string bytes(double b);
// 3.20 GFLOP, 1.20 TFLOP: decimal prefixes for work.
std::string flops(double f);
// 123 GFLOP/s: decimal prefixes for rates.
std::string flop_rate(double flops_per_s);

}  // namespace flopwall::units
