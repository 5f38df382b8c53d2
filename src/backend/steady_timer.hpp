#pragma once
// OpTimer for host-executed ops: a steady-clock read before and after each
// op into preallocated arrays, nothing else on the hot path.
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
  explicit SteadyTimer(std::size_t ops) : m_spans(ops) {}
  void begin(std::size_t op_index) noexcept override { m_spans[op_index].start_ns = steady_now_ns(); }
  void end(std::size_t op_index) noexcept override { m_spans[op_index].end_ns = steady_now_ns(); }
  void resolve(std::span<OpSpan> out) override;

 private:
  std::vector<OpSpan> m_spans;
};

}  // namespace flopwall
