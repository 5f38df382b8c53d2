#include "platform/steady_timer.hpp"

#include <algorithm>

#include "platform/host_ticks.hpp"

namespace flopwall {

SteadyTimer::SteadyTimer(std::size_t ops) : m_ticks(ops) {}

void SteadyTimer::begin(std::size_t op_index) noexcept {
  if (op_index == 0) {
    const host_ticks::Anchor a = host_ticks::anchor();
    m_anchor_ticks = a.ticks;
    m_anchor_ns = a.ns;
  }
  m_ticks[op_index].start_ns = host_ticks::now();
}

void SteadyTimer::end(std::size_t op_index) noexcept { m_ticks[op_index].end_ns = host_ticks::now(); }

void SteadyTimer::resolve(std::span<OpSpan> out) {
  const host_ticks::Anchor start{.ticks = m_anchor_ticks, .ns = m_anchor_ns};
  const host_ticks::Anchor finish = host_ticks::anchor();
  const std::size_t n = std::min(out.size(), m_ticks.size());
  for (std::size_t i = 0; i < n; ++i)
    out[i] = {host_ticks::to_ns(m_ticks[i].start_ns, start, finish), host_ticks::to_ns(m_ticks[i].end_ns, start, finish)};
}

}  // namespace flopwall
