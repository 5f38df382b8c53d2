#include "analysis/report_totals.hpp"

#include <algorithm>
#include <stdexcept>
#include <utility>

namespace flopwall {
namespace {

void put_sum(ByteWriter& out, const ExactSum& s) { out.put(s.raw()); }
ExactSum get_sum(ByteReader& in) { return ExactSum::from_raw(in.get<int128_t>()); }

void add_group_sizes(RankTotals& to, const RankTotals& from) {
  for (const RankTotals::GroupSize& g : from.group_sizes) to.count_group_size(g.size, g.instances);
}

}  // namespace

void widen_serve_span(std::vector<ServeStepSpan>& spans, const ServeStepSpan& s) {
  // Rows come in iteration order, so the place is almost always at the end.
  const auto before = [](const ServeStepSpan& a, const ServeStepSpan& b) {
    return a.iter != b.iter ? a.iter < b.iter : a.step < b.step;
  };
  const auto at = std::lower_bound(spans.begin(), spans.end(), s, before);
  if (at != spans.end() && at->iter == s.iter && at->step == s.step) {
    at->start_ns = std::min(at->start_ns, s.start_ns);
    at->end_ns = std::max(at->end_ns, s.end_ns);
  } else {
    spans.insert(at, s);
  }
}

void RankTotals::count_group_size(std::int64_t size, std::int64_t n) {
  const auto at = std::lower_bound(group_sizes.begin(), group_sizes.end(), size,
                                   [](const GroupSize& g, std::int64_t s) { return g.size < s; });
  if (at != group_sizes.end() && at->size == size)
    at->instances += n;
  else
    group_sizes.insert(at, {size, n});
}

void ReportTotals::merge(const ReportTotals& o) {
  if (o.ops.size() != ops.size() || o.ranks.size() != ranks.size() || o.sync_ops.size() != sync_ops.size())
    throw std::logic_error("report totals of different traces cannot merge");
  iterations = std::max(iterations, o.iterations);
  flops.merge(o.flops);
  for (std::size_t i = 0; i < ops.size(); ++i) {
    OpTotals& a = ops[i];
    const OpTotals& b = o.ops[i];
    a.count += b.count;
    a.time_ns.merge(b.time_ns);
    a.flops.merge(b.flops);
    a.bytes_mem.merge(b.bytes_mem);
    a.bytes_comm.merge(b.bytes_comm);
    a.time_s.merge(b.time_s);
    a.in_flight_ns.merge(b.in_flight_ns);
    a.in_flight_count += b.in_flight_count;
  }
  for (std::size_t r = 0; r < ranks.size(); ++r) {
    RankTotals& a = ranks[r];
    const RankTotals& b = o.ranks[r];
    for (auto [x, y] : {std::pair{&a.compute_ns, &b.compute_ns}, std::pair{&a.memory_ns, &b.memory_ns},
                        std::pair{&a.comm_ns, &b.comm_ns}, std::pair{&a.span_ns, &b.span_ns},
                        std::pair{&a.wait_ns, &b.wait_ns}, std::pair{&a.exposed_comm_ns, &b.exposed_comm_ns},
                        std::pair{&a.lateness_ns, &b.lateness_ns}, std::pair{&a.overlapped_ns, &b.overlapped_ns},
                        std::pair{&a.in_flight_ns, &b.in_flight_ns}})
      x->merge(*y);
    a.iterations += b.iterations;
    a.instances += b.instances;
    a.times_last += b.times_last;
    add_group_sizes(a, b);
  }
  steps_seen += o.steps_seen;
  step_ns.merge(o.step_ns);
  step_s.merge(o.step_s);
  step_series.merge(o.step_series);
  has_collectives = has_collectives || o.has_collectives;
  instances += o.instances;
  unresolved += o.unresolved;
  skew_us.merge(o.skew_us);
  for (std::size_t i = 0; i < sync_ops.size(); ++i) {
    SyncOpTotals& a = sync_ops[i];
    const SyncOpTotals& b = o.sync_ops[i];
    a.first_op = std::min(a.first_op, b.first_op);
    a.skew_us.merge(b.skew_us);
    a.clock_error_us = std::max(a.clock_error_us, b.clock_error_us);
    a.unresolved += b.unresolved;
  }
  for (const ServeStepSpan& span : o.serve_steps) widen_serve_span(serve_steps, span);
}

std::string ReportTotals::serialize() const {
  ByteWriter out;
  out.put<std::uint64_t>(ops.size());
  out.put<std::uint64_t>(ranks.size());
  out.put(iterations);
  put_sum(out, flops);
  for (const OpTotals& op : ops) {
    out.put(op.count);
    for (const ExactSum* s : {&op.time_ns, &op.flops, &op.bytes_mem, &op.bytes_comm, &op.in_flight_ns}) put_sum(out, *s);
    out.put(op.in_flight_count);
    op.time_s.write(out);
  }
  for (const RankTotals& r : ranks) {
    for (const ExactSum* s : {&r.compute_ns, &r.memory_ns, &r.comm_ns, &r.span_ns, &r.wait_ns, &r.exposed_comm_ns,
                              &r.lateness_ns, &r.overlapped_ns, &r.in_flight_ns})
      put_sum(out, *s);
    out.put(r.iterations);
    out.put(r.instances);
    out.put(r.times_last);
    out.put_vector(r.group_sizes);
  }
  out.put(steps_seen);
  put_sum(out, step_ns);
  step_s.write(out);
  step_series.write(out);
  out.put<std::uint8_t>(has_collectives ? 1 : 0);
  out.put(instances);
  out.put(unresolved);
  skew_us.write(out);
  for (const SyncOpTotals& s : sync_ops) {
    out.put(s.first_op);
    s.skew_us.write(out);
    out.put(s.clock_error_us);
    out.put(s.unresolved);
  }
  out.put_vector(serve_steps);
  return out.take();
}

ReportTotals ReportTotals::deserialize(const std::string& bytes) {
  ByteReader in(bytes);
  const auto n_ops = in.get<std::uint64_t>();
  const auto n_ranks = in.get<std::uint64_t>();
  if (n_ops > bytes.size() || n_ranks > bytes.size()) throw std::runtime_error("partial report results are damaged");
  ReportTotals t(static_cast<std::size_t>(n_ops), static_cast<std::size_t>(n_ranks));
  t.iterations = in.get<std::int64_t>();
  t.flops = get_sum(in);
  for (OpTotals& op : t.ops) {
    op.count = in.get<std::uint64_t>();
    for (ExactSum* s : {&op.time_ns, &op.flops, &op.bytes_mem, &op.bytes_comm, &op.in_flight_ns}) *s = get_sum(in);
    op.in_flight_count = in.get<std::uint64_t>();
    op.time_s = stats::QuantileSketch::read(in);
  }
  for (RankTotals& r : t.ranks) {
    for (ExactSum* s : {&r.compute_ns, &r.memory_ns, &r.comm_ns, &r.span_ns, &r.wait_ns, &r.exposed_comm_ns,
                        &r.lateness_ns, &r.overlapped_ns, &r.in_flight_ns})
      *s = get_sum(in);
    r.iterations = in.get<std::int64_t>();
    r.instances = in.get<std::int64_t>();
    r.times_last = in.get<std::int64_t>();
    r.group_sizes = in.get_vector<RankTotals::GroupSize>();
  }
  t.steps_seen = in.get<std::int64_t>();
  t.step_ns = get_sum(in);
  t.step_s = stats::QuantileSketch::read(in);
  t.step_series = StepSeries::read(in);
  t.has_collectives = in.get<std::uint8_t>() != 0;
  t.instances = in.get<std::int64_t>();
  t.unresolved = in.get<std::int64_t>();
  t.skew_us = stats::QuantileSketch::read(in);
  for (SyncOpTotals& s : t.sync_ops) {
    s.first_op = in.get<std::int32_t>();
    s.skew_us = stats::QuantileSketch::read(in);
    s.clock_error_us = in.get<double>();
    s.unresolved = in.get<std::int64_t>();
  }
  t.serve_steps = in.get_vector<ServeStepSpan>();
  if (!in.done()) throw std::runtime_error("partial report results have bytes to spare");
  return t;
}

}  // namespace flopwall
