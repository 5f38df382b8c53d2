#include "core/units.hpp"

#include <array>
#include <cmath>
#include <fmt/format.h>

namespace flopwall::units {
namespace {

// Three significant digits in fixed notation ("1.50", "64.0", "123"), never
// an exponent, so columns of figures line up and read alike.
std::string three_digits(double v) {
  const double a = std::fabs(v);
  if (a < 10.0) return fmt::format("{:.2f}", v);
  if (a < 100.0) return fmt::format("{:.1f}", v);
  return fmt::format("{:.0f}", v);
}

std::string with_decimal_prefix(double v, const char* unit) {
  static constexpr std::array<const char*, 7> prefixes{"", "K", "M", "G", "T", "P", "E"};
  std::size_t i = 0;
  while (std::fabs(v) >= 1000.0 && i + 1 < prefixes.size()) {
    v /= 1000.0;
    ++i;
  }
  return fmt::format("{} {}{}", three_digits(v), prefixes[i], unit);
}

}  // namespace

std::string seconds(double s) {
  const double a = std::fabs(s);
  if (a >= 1.0 || a == 0.0) return three_digits(s) + " s";
  if (a >= 1e-3) return three_digits(s * 1e3) + " ms";
  if (a >= 1e-6) return three_digits(s * 1e6) + " us";
  return three_digits(s * 1e9) + " ns";
}

std::string bytes(double b) {
  static constexpr std::array<const char*, 6> prefixes{"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  std::size_t i = 0;
  while (std::fabs(b) >= 1024.0 && i + 1 < prefixes.size()) {
    b /= 1024.0;
    ++i;
  }
  return i == 0 ? fmt::format("{:.0f} B", b) : three_digits(b) + " " + prefixes[i];
}

std::string flops(double f) { return with_decimal_prefix(f, "FLOP"); }
std::string flop_rate(double flops_per_s) { return with_decimal_prefix(flops_per_s, "FLOP/s"); }

}  // namespace flopwall::units
