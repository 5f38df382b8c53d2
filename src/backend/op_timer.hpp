#pragma once
// Stamps the start and end of each op of one iteration. The CPU timer reads
// the steady clock inline; a GPU timer records events and resolves them after
// the iteration. Either way `resolve` yields host-clock nanoseconds.
#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>

namespace flopwall {

struct OpSpan {
  std::int64_t start_ns;
  std::int64_t end_ns;
};

// Thrown by `resolve` when an op does not complete within the run's
// --timeout; the runner names the op, layer and iteration.
class OpTimeout : public std::runtime_error {
 public:
  OpTimeout(std::size_t op_index, double waited_s)
      : std::runtime_error("op timed out"), m_op_index(op_index), m_waited_s(waited_s) {}
  std::size_t op_index() const noexcept { return m_op_index; }
  double waited_s() const noexcept { return m_waited_s; }

 private:
  std::size_t m_op_index;
  double m_waited_s;
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
