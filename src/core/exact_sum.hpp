#pragma once
// A sum of integers that is exact whatever the order of its terms: the
// report adds nanoseconds, FLOPs and bytes over millions of events, in
// windows and across processes, and must print the same figure however the
// work was split. 128 bits hold 2^64 terms of ±2^63.
#include <cstdint>

namespace flopwall {

__extension__ typedef __int128 int128_t;

class ExactSum {
 public:
  void add(std::int64_t v) noexcept { m_value += v; }
  void add_unsigned(std::uint64_t v) noexcept { m_value += static_cast<int128_t>(v); }
  void add_wide(int128_t v) noexcept { m_value += v; }
  void merge(const ExactSum& other) noexcept { m_value += other.m_value; }
  // Rounded once, to the nearest double.
  double value() const noexcept { return static_cast<double>(m_value); }
  int128_t raw() const noexcept { return m_value; }
  static ExactSum from_raw(int128_t v) noexcept {
    ExactSum s;
    s.m_value = v;
    return s;
  }

 private:
  int128_t m_value = 0;
};

}  // namespace flopwall
