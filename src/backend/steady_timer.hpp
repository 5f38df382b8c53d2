#pragma once
// OpTimer for host-executed ops: a tick read before and after each op into
// preallocated arrays, nothing else on the hot path; resolve() turns the
// ticks into steady-clock ns between anchors taken at the iteration's start
// and end (backend/host_ticks.hpp).
#include <chrono>
#include <vector>

#include "backend/op_timer.hpp"

namespace flopwall {

inline std::int64_t steady_now_ns() noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

class SteadyTimer final : public OpTimer {
 public:
  explicit SteadyTimer(std::size_t ops);
  void begin(std::size_t op_index) noexcept override;
  void end(std::size_t op_index) noexcept override;
  void resolve(std::span<OpSpan> out) override;

 private:
  std::vector<OpSpan> m_ticks;
  std::int64_t m_anchor_ticks = 0, m_anchor_ns = 0;
};

}  // namespace flopwall
