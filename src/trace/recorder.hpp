#pragma once
// Collects every timed op into a buffer sized before the loop starts; after
// each iteration the timer's spans are moved onto rank 0's timeline.
#include <span>
#include <vector>

#include <cstdint>

#include "platform/op_timer.hpp"
#include "trace/trace_event.hpp"

namespace flopwall {

// The analytic work of one op, copied into each of its events.
struct OpWork {
  std::uint64_t flops = 0;
  std::uint64_t bytes_mem = 0;
  std::uint64_t bytes_comm = 0;
};

class Recorder {
 public:
  // Sizes iterations × ops events up front; throws UsageError when that
  // overflows (input_limits' run_bytes_per_rank refuses it earlier, with the
  // memory check, before the plan is even built).
  // One entry of `work` per op of an iteration, in op order.
  Recorder(std::vector<OpWork> work, int iterations);

  // rank-0 time = local − clock_offset_ns − origin_ns (origin on rank 0's clock).
  void set_timeline(std::int64_t clock_offset_ns, std::int64_t origin_ns) noexcept;
  // Where the timer resolves the next iteration's spans (one per op).
  std::span<OpSpan> next_spans() noexcept { return m_spans; }
  // Appends those spans as iteration `iter`; never allocates.
  void commit(int iter);

  std::span<const TraceEvent> events() const noexcept { return {m_events.data(), m_size}; }
  int iterations_recorded() const noexcept { return m_iterations_recorded; }

 private:
  std::vector<OpWork> m_work;
  std::vector<TraceEvent> m_events;
  std::vector<OpSpan> m_spans;
  std::size_t m_size = 0;
  int m_iterations_recorded = 0;
  std::int64_t m_shift_ns = 0;
};

}  // namespace flopwall
