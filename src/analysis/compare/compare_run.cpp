#include "analysis/compare/compare_run.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <optional>

#include "analysis/iteration_spans.hpp"
#include "analysis/rank_hosts.hpp"
#include "analysis/report_accumulator.hpp"
#include "core/error.hpp"
#include "trace/sweep_tables.hpp"
#include "trace/trace_stream.hpp"

namespace flopwall {
namespace {

constexpr double k_nan = std::numeric_limits<double>::quiet_NaN();

// A collective sweep's op name, collective.<bytes>B.tier.(ip|oop) (the
// sweep's trace names its ops so), as a compare key; nothing for another name.
std::optional<std::string> collective_key(const std::string& name) {
  std::vector<std::string> parts;
  std::size_t from = 0;
  for (std::size_t dot; (dot = name.find('.', from)) != std::string::npos; from = dot + 1)
    parts.push_back(name.substr(from, dot - from));
  parts.push_back(name.substr(from));
  if (parts.size() != 4 || parts[1].size() < 2 || parts[1].back() != 'B') return std::nullopt;
  const std::string bytes = parts[1].substr(0, parts[1].size() - 1);
  if (!std::all_of(bytes.begin(), bytes.end(), [](char c) { return c >= '0' && c <= '9'; })) return std::nullopt;
  if (parts[3] != "ip" && parts[3] != "oop") return std::nullopt;
  return fmt::format("coll/{}/{}/{}/{}", parts[0], parts[2], bytes, parts[3] == "ip" ? "in" : "out");
}

// Per iteration and op name, the slowest rank's summed time; per
// iteration the slowest rank's span. Ranks are read one at a time.
class IterationTable {
 public:
  IterationTable(const TraceStream& stream, const OpNames& names) : m_names(names) {
    std::uint64_t rows = 0;
    for (std::size_t r = 0; r < stream.rank_count(); ++r) rows = std::max(rows, stream.rows(r));
    // Iterations are numbered from 0 without gaps on every rank (the reader
    // checks it), so a rank has no more iterations than rows.
    m_iterations = rows;
    if (rows > k_max_compare_cells)
      throw UsageError(fmt::format("{}: a rank with {} events is more than flopwall compare holds ({} per rank)",
                                   stream.path(), rows, k_max_compare_cells));
    m_step.assign(rows, k_nan);
    // Each op's times as far as its own iterations go: a collective sweep's
    // op runs its own -n iterations, a run's op every iteration.
    m_op.assign(names.names.size(), {});
    m_flops.assign(names.names.size(), 0);
    m_bus_bytes.assign(names.names.size(), 0);
  }

  void add_rank(TraceStream& stream, std::size_t rank) {
    std::vector<IterationSpan> spans(m_iterations);
    std::vector<std::vector<double>> sum(m_op.size());
    std::vector<TraceEvent> block;
    const std::uint64_t rows = stream.rows(rank), step = std::max<std::uint64_t>(stream.chunk_rows(rank), 1);
    for (std::uint64_t at = 0; at < rows; at += step) {
      block.clear();
      stream.read(rank, at, std::min(step, rows - at), block);
      for (const TraceEvent& e : block) {
        const auto it = static_cast<std::size_t>(e.iter);
        const std::size_t name = m_names.of_op[static_cast<std::size_t>(e.op)];
        spans[it].start_ns = std::min(spans[it].start_ns, e.t_start_ns);
        spans[it].end_ns = std::max(spans[it].end_ns, e.t_end_ns);
        if (sum[name].size() <= it) sum[name].resize(it + 1, k_nan);
        double& s = sum[name][it];
        s = (std::isnan(s) ? 0 : s) + duration_ns(e) * 1e-9;
        m_flops[name] += static_cast<double>(e.flops);
        m_bus_bytes[name] += static_cast<double>(e.bytes_comm);
      }
    }
    for (std::size_t i = 0; i < m_iterations; ++i)
      if (spans[i].seen()) fold_max(m_step[i], spans[i].duration_ns() * 1e-9);
    for (std::size_t n = 0; n < sum.size(); ++n) {
      if (m_op[n].size() < sum[n].size()) m_op[n].resize(sum[n].size(), k_nan);
      for (std::size_t i = 0; i < sum[n].size(); ++i)
        if (!std::isnan(sum[n][i])) fold_max(m_op[n][i], sum[n][i]);
    }
  }

  // The series of a run (or a sweep point): step, then each op in report order.
  void emit(const TraceData& meta, std::size_t ranks, const std::string& prefix, std::vector<CompareSeries>& out) {
    const std::size_t used = used_iterations();
    const double per_rank_iter = static_cast<double>(std::max<std::size_t>(ranks, 1) * std::max<std::size_t>(used, 1));
    const double all_flops = std::accumulate(m_flops.begin(), m_flops.end(), 0.0);
    out.push_back({.key = prefix + "step", .kind = OpKind::idle, .time_s = head(m_step, used),
                   .flops = all_flops / static_cast<double>(std::max<std::size_t>(used, 1))});
    for (std::size_t n = 0; n < m_op.size(); ++n)
      out.push_back({.key = prefix + "op/" + m_names.names[n], .kind = meta.ops[m_names.first_op[n]].kind,
                     .time_s = head(m_op[n], used), .flops = m_flops[n] / per_rank_iter,
                     .bus_bytes = m_bus_bytes[n] / per_rank_iter});
  }

  // A collective sweep: one series per size and form. Each op ran its own
  // iterations (numbered from 0), so a series is as long as its op's.
  void emit_collectives(std::size_t ranks, std::vector<CompareSeries>& out) {
    for (std::size_t n = 0; n < m_op.size(); ++n) {
      const auto key = collective_key(m_names.names[n]);
      if (!key) continue;
      std::vector<double> times = m_op[n];
      while (!times.empty() && std::isnan(times.back())) times.pop_back();
      const double per_rank_iter = static_cast<double>(std::max<std::size_t>(ranks, 1) * std::max<std::size_t>(times.size(), 1));
      out.push_back({.key = *key, .kind = OpKind::comm, .time_s = std::move(times), .flops = 0,
                     .bus_bytes = m_bus_bytes[n] / per_rank_iter});
    }
  }

 private:
  static void fold_max(double& into, double v) { into = std::isnan(into) ? v : std::max(into, v); }
  std::size_t used_iterations() const {
    std::size_t used = m_step.size();
    while (used > 0 && std::isnan(m_step[used - 1])) --used;
    return used;
  }
  // The first n values, NaN past the end of v.
  static std::vector<double> head(const std::vector<double>& v, std::size_t n) {
    std::vector<double> out(n, k_nan);
    std::copy_n(v.begin(), std::min(n, v.size()), out.begin());
    return out;
  }

  const OpNames& m_names;
  std::size_t m_iterations = 0;
  std::vector<double> m_step;
  std::vector<std::vector<double>> m_op;  // [name][iteration]
  std::vector<double> m_flops, m_bus_bytes;  // [name], summed over ranks and iterations
};

// A run's (or a point's) series, read rank by rank.
void read_body(TraceStream& stream, const std::string& prefix, bool collectives, std::vector<CompareSeries>& out) {
  const OpNames names = report_op_names(stream.meta().ops);
  IterationTable table(stream, names);
  for (std::size_t r = 0; r < stream.rank_count(); ++r) table.add_rank(stream, r);
  if (collectives)
    table.emit_collectives(stream.rank_count(), out);
  else
    table.emit(stream.meta(), stream.rank_count(), prefix, out);
}

}  // namespace

CompareRun read_compare_run(const std::string& path) {
  TraceStream stream(path);
  CompareRun run{.path = path, .header = stream.meta().header};
  if (stream.sweep()) {
    run.kind = "sweep";
    for (std::size_t k = 0; k < stream.sweep_points(); ++k) {
      TraceStream point(path, k);
      add_distinct_hosts(point.meta().ranks, run.hosts);
      read_body(point, fmt::format("{}={}/", stream.sweep()->param, stream.sweep()->values[k]), false, run.series);
    }
  } else {
    run.kind = read_sweep_tables(path) ? "collectives" : "run";
    add_distinct_hosts(stream.meta().ranks, run.hosts);
    read_body(stream, "", run.kind == "collectives", run.series);
  }
  for (const CompareSeries& s : run.series)
    run.iterations = std::max(run.iterations, static_cast<std::int64_t>(s.time_s.size()));
  return run;
}

}  // namespace flopwall
