#include "trace/recorder.hpp"

#include <fmt/format.h>

#include <stdexcept>

#include "core/checked_math.hpp"

namespace flopwall {
namespace {

// iterations × ops events, checked in count and in bytes: a wrapped count
// would size a small buffer that commit() then fills past its end.
std::size_t event_count(std::size_t ops, int iterations) {
  if (iterations < 0) throw std::invalid_argument("recorder: negative iteration count");
  const auto describe = [&] {
    return fmt::format("--iters {} x {} ops per iteration (the trace's events)", iterations, ops);
  };
  const std::size_t count = mul_or_throw(ops, static_cast<std::size_t>(iterations), describe);
  mul_or_throw(count, sizeof(TraceEvent), describe);
  return count;
}

}  // namespace

Recorder::Recorder(std::vector<OpWork> work, int iterations)
    : m_work(std::move(work)), m_events(event_count(m_work.size(), iterations)), m_spans(m_work.size()) {}

void Recorder::set_timeline(std::int64_t clock_offset_ns, std::int64_t origin_ns) noexcept {
  m_shift_ns = clock_offset_ns + origin_ns;
}

void Recorder::commit(int iter) {
  if (m_size + m_spans.size() > m_events.size()) throw std::logic_error("recorder: more iterations than sized for");
  for (std::size_t i = 0; i < m_spans.size(); ++i) {
    const OpWork& op = m_work[i];
    m_events[m_size++] = TraceEvent{.iter = iter,
                                    .op = static_cast<std::int32_t>(i),
                                    .t_start_ns = m_spans[i].start_ns - m_shift_ns,
                                    .t_end_ns = m_spans[i].end_ns - m_shift_ns,
                                    .flops = op.flops,
                                    .bytes_mem = op.bytes_mem,
                                    .bytes_comm = op.bytes_comm};
  }
  ++m_iterations_recorded;
}

}  // namespace flopwall
