#include <algorithm>
#include <limits>
#include <map>

#include "analysis/iteration_spans.hpp"
#include "analysis/run_report.hpp"
#include "core/units.hpp"

namespace flopwall {
namespace {

double seconds(double ns) { return ns / units::k_ns_per_s; }

// The op of an event, or nullptr when its id is outside the vocabulary (the
// reader refuses such traces; the analysis still never indexes past it).
const OpInfo* op_of(const TraceEvent& e, const std::vector<OpInfo>& ops) {
  return e.op >= 0 && static_cast<std::size_t>(e.op) < ops.size() ? &ops[static_cast<std::size_t>(e.op)] : nullptr;
}

RankReport rank_report(const RankTrace& rank, const std::vector<OpInfo>& ops,
                       const std::vector<IterationSpan>& spans) {
  RankReport r{.rank = rank.rank, .hostname = rank.info.hostname, .device = rank.info.device,
               .clock_offset_ns = rank.info.clock_offset_ns, .clock_error_ns = rank.info.clock_error_ns};
  // Sums in double: int64 nanoseconds summed over many iterations could overflow.
  double span_ns = 0;
  int counted = 0;
  for (const auto& s : spans)
    if (s.seen()) {
      span_ns += s.duration_ns();
      ++counted;
    }
  double compute_ns = 0, memory_ns = 0, comm_ns = 0;
  for (const TraceEvent& e : rank.events) {
    const OpInfo* op = op_of(e, ops);
    if (!op) continue;
    const double d = duration_ns(e);
    switch (op->kind) {
      case OpKind::comm: comm_ns += d; break;
      case OpKind::memory: memory_ns += d; break;
      case OpKind::compute: compute_ns += d; break;
      case OpKind::idle: break;
    }
    // idle ops (injected delays) stay in "other".
  }
  if (counted == 0) return r;
  const double n = counted;
  r.span_s = seconds(span_ns) / n;
  r.compute_s = seconds(compute_ns) / n;
  r.memory_s = seconds(memory_ns) / n;
  r.comm_s = seconds(comm_ns) / n;
  r.other_s = r.span_s - r.compute_s - r.memory_s - r.comm_s;
  return r;
}

struct OpAccumulator {
  std::vector<double> durations_s;
  double flops = 0, bytes_mem = 0, bytes_comm = 0;
};

}  // namespace

RunReport analyze_run(const TraceData& trace, const std::string& path) {
  RunReport report{.path = path, .header = trace.header, .world_size = trace.header.world_size};
  report.iterations = iteration_count(trace);
  const int iters = report.iterations;

  // An iteration takes as long as its slowest rank (nccl-tests' convention).
  std::vector<double> step_s(static_cast<std::size_t>(iters), 0.0);
  for (const RankTrace& rank : trace.ranks) {
    const auto spans = iteration_spans(rank, iters);
    for (int i = 0; i < iters; ++i) {
      const auto& s = spans[static_cast<std::size_t>(i)];
      auto& step = step_s[static_cast<std::size_t>(i)];
      if (s.seen()) step = std::max(step, seconds(s.duration_ns()));
    }
    report.ranks.push_back(rank_report(rank, trace.ops, spans));
  }
  report.step_time_s = stats::summarize(step_s);
  report.sync = analyze_sync(trace, step_s);

  // Ops are reported by name, over all layers, ranks and iterations.
  std::vector<std::string> order;
  std::map<std::string, OpAccumulator> by_name;
  double total_flops = 0;
  for (const OpInfo& op : trace.ops)
    if (!by_name.contains(op.name)) {
      order.push_back(op.name);
      by_name[op.name];
    }
  for (const RankTrace& rank : trace.ranks)
    for (const TraceEvent& e : rank.events) {
      const OpInfo* op = op_of(e, trace.ops);
      if (!op) continue;
      auto& acc = by_name[op->name];
      acc.durations_s.push_back(seconds(duration_ns(e)));
      acc.flops += static_cast<double>(e.flops);
      acc.bytes_mem += static_cast<double>(e.bytes_mem);
      acc.bytes_comm += static_cast<double>(e.bytes_comm);
      total_flops += static_cast<double>(e.flops);
    }
  double step_total_s = 0;
  for (double s : step_s) step_total_s += s;
  for (const std::string& name : order) {
    const auto& acc = by_name[name];
    if (acc.durations_s.empty()) continue;
    double time_total = 0;
    for (double d : acc.durations_s) time_total += d;
    const auto kind_of = [&] {
      for (const OpInfo& op : trace.ops)
        if (op.name == name) return op.kind;
      return OpKind::compute;
    };
    const double safe_time = time_total > 0 ? time_total : std::numeric_limits<double>::quiet_NaN();
    report.ops.push_back({.name = name,
                          .kind = kind_of(),
                          .count = acc.durations_s.size(),
                          .time_s = stats::summarize(acc.durations_s),
                          .gflops_per_s = acc.flops / safe_time / 1e9,
                          .mem_gbytes_per_s = acc.bytes_mem / safe_time / 1e9,
                          .comm_gbytes_per_s = acc.bytes_comm / safe_time / 1e9,
                          .share = time_total / (report.world_size * step_total_s)});
  }

  if (iters > 0) report.model_flops_per_iter = total_flops / iters;
  const double p50 = report.step_time_s.p50;
  if (p50 > 0) {
    report.flops_per_s_total = report.model_flops_per_iter / p50;
    report.tflops_per_rank = report.flops_per_s_total / report.world_size / 1e12;
  }
  return report;
}

}  // namespace flopwall
