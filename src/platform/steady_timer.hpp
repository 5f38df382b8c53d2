#pragma once
// OpTimer for host-executed ops: a tick read before and after each op into
// preallocated arrays, nothing else on the hot path; resolve() turns the
// ticks into steady-clock ns between anchors taken at the iteration's start
// and end (backend/host_ticks.hpp).
#include <vector>

#include "platform/op_timer.hpp"
#include "platform/steady_clock.hpp"

namespace flopwall {

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
