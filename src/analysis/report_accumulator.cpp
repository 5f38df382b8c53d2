#include "analysis/report_accumulator.hpp"

#include <algorithm>
#include <limits>
#include <map>

#include "analysis/iteration_spans.hpp"
#include "analysis/op_groups.hpp"
#include "core/units.hpp"

namespace flopwall {
namespace {

// In double: two ranks' errors are added, and int64 sums could overflow.
double max_clock_error_ns(const RankInfo& info) {
  std::int64_t e = info.clock_error_ns;
  for (const ClockSample& s : info.clock_samples) e = std::max(e, s.error_ns);
  return static_cast<double>(e);
}

double difference_ns(std::int64_t later, std::int64_t earlier) {
  return static_cast<double>(later) - static_cast<double>(earlier);
}

int128_t wide_difference(std::int64_t later, std::int64_t earlier) {
  return static_cast<int128_t>(later) - static_cast<int128_t>(earlier);
}

}  // namespace

OpNames report_op_names(const std::vector<OpInfo>& ops) {
  OpNames n;
  std::map<std::string, std::size_t> index;
  for (const OpInfo& op : ops) {
    const auto [at, added] = index.try_emplace(op.name, n.names.size());
    if (added) {
      n.names.push_back(op.name);
      n.first_op.push_back(n.of_op.size());
    }
    n.of_op.push_back(at->second);
  }
  return n;
}

ReportAccumulator::ReportAccumulator(const TraceData& meta)
    : m_meta(meta), m_names(report_op_names(meta.ops)), m_totals(m_names.names.size(), meta.ranks.size()) {
  for (const RankTrace& rank : meta.ranks) {
    std::vector<std::int64_t> groups;
    groups.reserve(meta.ops.size());
    for (const OpInfo& op : meta.ops) groups.push_back(group_id(rank.info, op.group));
    m_group_of_op.push_back(std::move(groups));
    m_max_clock_error_ns.push_back(max_clock_error_ns(rank.info));
  }
  for (const OpInfo& op : meta.ops) m_serve = m_serve || op.step >= 0;
  m_async = async_ops(meta.ops);
  for (const AsyncRole r : m_async.role) m_has_async = m_has_async || r != AsyncRole::none;
  if (m_has_async) m_in_flight.resize(m_totals.ranks.size());
}

void ReportAccumulator::add_events(std::size_t rank_index, std::span<const TraceEvent> events) {
  if (rank_index >= m_totals.ranks.size()) return;
  const std::size_t n_ops = m_meta.ops.size();
  RankTotals& rank = m_totals.ranks[rank_index];
  for (const TraceEvent& e : events) {
    // The reader refuses ops outside /ops; never index past it regardless.
    if (e.op < 0 || static_cast<std::size_t>(e.op) >= n_ops) continue;
    const auto op = static_cast<std::size_t>(e.op);
    const int128_t d = wide_difference(e.t_end_ns, e.t_start_ns);
    OpTotals& totals = m_totals.ops[m_names.of_op[op]];
    ++totals.count;
    totals.time_ns.add_wide(d);
    totals.flops.add_unsigned(e.flops);
    totals.bytes_mem.add_unsigned(e.bytes_mem);
    totals.bytes_comm.add_unsigned(e.bytes_comm);
    totals.time_s.add(duration_ns(e) / units::k_ns_per_s);
    m_totals.flops.add_unsigned(e.flops);
    if (m_serve && e.iter >= 0)
      widen_serve_span(m_totals.serve_steps, {.iter = e.iter, .step = m_meta.ops[op].step, .start_ns = e.t_start_ns,
                                              .end_ns = e.t_end_ns});
    switch (m_meta.ops[op].kind) {
      case OpKind::comm: rank.comm_ns.add_wide(d); break;
      case OpKind::memory: rank.memory_ns.add_wide(d); break;
      case OpKind::compute: rank.compute_ns.add_wide(d); break;
      case OpKind::idle: break;  // injected delays stay in "other"
    }
    if (m_has_async) track_in_flight(rank_index, e, d);
  }
}

// Rows come in order: a start opens its collective, its wait closes it, and
// compute or memory ops while one is open overlap it. A new iteration drops
// what its predecessor left open (a truncated trace).
void ReportAccumulator::track_in_flight(std::size_t rank_index, const TraceEvent& e, int128_t duration) {
  InFlight& f = m_in_flight[rank_index];
  if (e.iter != f.iter) {
    f.iter = e.iter;
    f.open.clear();
  }
  const auto op = static_cast<std::size_t>(e.op);
  switch (m_async.role[op]) {
    case AsyncRole::start:
      if (f.open.empty()) f.since_ns = e.t_start_ns;
      f.open.emplace_back(e.op, e.t_start_ns);
      return;
    case AsyncRole::wait:
      for (auto it = f.open.begin(); it != f.open.end(); ++it)
        if (it->first == m_async.partner[op]) {
          OpTotals& start = m_totals.ops[m_names.of_op[static_cast<std::size_t>(it->first)]];
          start.in_flight_ns.add_wide(wide_difference(e.t_end_ns, it->second));
          ++start.in_flight_count;
          f.open.erase(it);
          if (f.open.empty()) m_totals.ranks[rank_index].in_flight_ns.add_wide(wide_difference(e.t_end_ns, f.since_ns));
          break;
        }
      return;
    case AsyncRole::none: break;
  }
  const OpKind kind = m_meta.ops[op].kind;
  if (!f.open.empty() && (kind == OpKind::compute || kind == OpKind::memory))
    m_totals.ranks[rank_index].overlapped_ns.add_wide(duration);
}

void ReportAccumulator::consume(const TraceWindow& window) {
  m_totals.iterations = std::max(m_totals.iterations, window.end_iter);
  const std::size_t n_ranks = std::min(window.arrivals.size(), m_totals.ranks.size());
  for (std::size_t r = 0; r < n_ranks; ++r) {
    const std::vector<std::int64_t>& groups = m_group_of_op[r];
    for (const CommArrival& a : window.arrivals[r])
      m_arrivals.push_back({a.op, a.iter, groups[static_cast<std::size_t>(a.op)], static_cast<std::uint32_t>(r),
                            a.start_ns, a.end_ns});
  }
  add_spans(window);
  settle_instances();
}

// A rank's iteration lasts from its first op's start to its last op's end;
// the step, from the slowest rank's (iteration_spans.hpp, step_times.hpp).
void ReportAccumulator::add_spans(const TraceWindow& window) {
  const std::int64_t first = window.first_iter;
  const auto w = static_cast<std::size_t>(std::max<std::int64_t>(0, window.end_iter - first));
  m_step_ns.assign(w, -1);
  m_step_s.assign(w, 0.0);
  const std::size_t n_ranks = std::min(window.spans.size(), m_totals.ranks.size());
  for (std::size_t r = 0; r < n_ranks; ++r) {
    RankTotals& rank = m_totals.ranks[r];
    for (const IterationSpanRow& s : window.spans[r]) {
      if (s.iter < first || s.iter >= window.end_iter || s.end_ns < s.start_ns) continue;
      const auto i = static_cast<std::size_t>(s.iter - first);
      const int128_t d = wide_difference(s.end_ns, s.start_ns);
      rank.span_ns.add_wide(d);
      ++rank.iterations;
      m_step_ns[i] = std::max(m_step_ns[i], d);
      m_step_s[i] = std::max(m_step_s[i], difference_ns(s.end_ns, s.start_ns) / units::k_ns_per_s);
    }
  }
  for (std::size_t i = 0; i < w; ++i) {
    if (m_step_ns[i] < 0) continue;  // counted as 0 when the totals become step times
    ++m_totals.steps_seen;
    m_totals.step_ns.add_wide(m_step_ns[i]);
    m_totals.step_s.add(m_step_s[i]);
    m_totals.step_series.add(first + static_cast<std::int64_t>(i), m_step_s[i]);
  }
}

// Arrivals of one instance are those of equal (op, iteration, group id), in
// rank order, as they were when the whole trace was read at once.
void ReportAccumulator::settle_instances() {
  std::sort(m_arrivals.begin(), m_arrivals.end(), [](const Arrival& a, const Arrival& b) {
    if (a.op != b.op) return a.op < b.op;
    if (a.iter != b.iter) return a.iter < b.iter;
    if (a.group != b.group) return a.group < b.group;
    return a.rank < b.rank;
  });
  const Arrival* data = m_arrivals.data();
  for (std::size_t at = 0; at < m_arrivals.size();) {
    std::size_t end = at + 1;
    while (end < m_arrivals.size() && data[end].op == data[at].op && data[end].iter == data[at].iter &&
           data[end].group == data[at].group)
      ++end;
    settle_instance(data + at, data + end);
    at = end;
  }
  m_arrivals.clear();
}

// docs/metrics.md, "Synchronization": skew, wait, exposed transfer, lateness.
void ReportAccumulator::settle_instance(const Arrival* first, const Arrival* end) {
  const auto n = end - first;
  if (n < 2) {
    // A group of one waits for nobody: its comm time is all transfer.
    m_totals.ranks[first->rank].exposed_comm_ns.add_wide(wide_difference(first->end_ns, first->start_ns));
    return;
  }
  m_totals.has_collectives = true;
  const auto by_start = [](const Arrival& a, const Arrival& b) { return a.start_ns < b.start_ns; };
  const Arrival* earliest = std::min_element(first, end, by_start);
  const Arrival* last = std::max_element(first, end, by_start);
  std::int64_t second_latest = earliest->start_ns;
  for (const Arrival* a = first; a != end; ++a)
    if (a != last) second_latest = std::max(second_latest, a->start_ns);
  const double skew_us = difference_ns(last->start_ns, earliest->start_ns) / 1e3;
  // Two clocks are compared: the skew is only known to within both errors.
  const double error_us = (m_max_clock_error_ns[earliest->rank] + m_max_clock_error_ns[last->rank]) / 1e3;
  const bool unresolved = skew_us <= error_us;
  SyncOpTotals& op = m_totals.sync_ops[m_names.of_op[static_cast<std::size_t>(first->op)]];
  op.first_op = std::min(op.first_op, first->op);
  op.skew_us.add(skew_us);
  op.clock_error_us = std::max(op.clock_error_us, error_us);
  op.unresolved += unresolved ? 1 : 0;
  m_totals.skew_us.add(skew_us);
  ++m_totals.instances;
  m_totals.unresolved += unresolved ? 1 : 0;
  for (const Arrival* a = first; a != end; ++a) {
    RankTotals& rank = m_totals.ranks[a->rank];
    const int128_t duration = wide_difference(a->end_ns, a->start_ns);
    const int128_t wait =
        std::clamp(wide_difference(last->start_ns, a->start_ns), int128_t{0}, std::max(duration, int128_t{0}));
    rank.wait_ns.add_wide(wait);
    rank.exposed_comm_ns.add_wide(duration - wait);
    ++rank.instances;
    rank.count_group_size(n);
    if (a == last) {
      ++rank.times_last;
      rank.lateness_ns.add_wide(wide_difference(a->start_ns, second_latest));
    }
  }
}

ReportTotals accumulate_trace(const TraceData& trace) {
  const int iterations = iteration_count(trace);
  ReportAccumulator acc(trace);
  std::vector<std::vector<IterationSpanRow>> spans;
  std::vector<std::vector<CommArrival>> arrivals;
  TraceWindow window{.first_iter = 0, .end_iter = iterations, .spans = {}, .arrivals = {}};
  for (std::size_t r = 0; r < trace.ranks.size(); ++r) {
    const RankTrace& rank = trace.ranks[r];
    acc.add_events(r, rank.events);
    std::vector<IterationSpanRow>& s = spans.emplace_back();
    const std::vector<IterationSpan> by_iter = iteration_spans(rank, iterations);
    for (std::size_t i = 0; i < by_iter.size(); ++i)
      if (by_iter[i].seen()) s.push_back({static_cast<std::int64_t>(i), by_iter[i].start_ns, by_iter[i].end_ns});
    std::vector<CommArrival>& a = arrivals.emplace_back();
    for (const TraceEvent& e : rank.events)
      if (acc.is_comm(e.op)) a.push_back({e.op, e.iter, e.t_start_ns, e.t_end_ns});
  }
  for (std::size_t r = 0; r < trace.ranks.size(); ++r) {
    window.spans.emplace_back(spans[r]);
    window.arrivals.emplace_back(arrivals[r]);
  }
  acc.consume(window);
  return acc.take();
}

}  // namespace flopwall
