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

// Thrown by `resolve` when an op of the iteration did not complete: the
// run's --timeout passed, or the transport reported an asynchronous error
// (a dead peer, a network failure). what() says which ("timed out after
// 300.0 s waiting"); the caller knows the op behind `op_index` and names it.
class OpFailure : public std::runtime_error {
 public:
  OpFailure(std::size_t op_index, const std::string& what) : std::runtime_error(what), m_op_index(op_index) {}
  std::size_t op_index() const noexcept { return m_op_index; }

 private:
  std::size_t m_op_index;
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
