#include "backend/steady_timer.hpp"

#include <algorithm>

namespace flopwall {

void SteadyTimer::resolve(std::span<OpSpan> out) {
  std::copy_n(m_spans.begin(), std::min(out.size(), m_spans.size()), out.begin());
}

}  // namespace flopwall
