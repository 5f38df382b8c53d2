#pragma once
// Stamps the start and end of each op of one iteration. The CPU timer reads
// the steady clock inline; a GPU timer records events and resolves them after
// the iteration. Either way `resolve` yields host-clock nanoseconds.
#include <cstddef>
#include <cstdint>
#include <span>

namespace flopwall {

struct OpSpan {
  std::int64_t start_ns;
  std::int64_t end_ns;
};

class OpTimer {
 public:
  virtual ~OpTimer() = default;
  virtual void begin(std::size_t op_index) noexcept = 0;
  virtual void end(std::size_t op_index) noexcept = 0;
  // After the iteration: the spans of every op, on this rank's steady clock.
  virtual void resolve(std::span<OpSpan> out) = 0;
};

}  // namespace flopwall
