#include "analysis/sections/per_op_section.hpp"

#include <fmt/format.h>

#include <iterator>
#include <limits>

#include "analysis/report_accumulator.hpp"
#include "analysis/json_number.hpp"
#include "core/units.hpp"

namespace flopwall {
namespace {

using json = nlohmann::json;

// Figures that cannot be derived (no FLOPs, no bytes) print as "-".
std::string rate(double v) { return v > 0 ? fmt::format("{:.2f}", v) : "-"; }

class PerOpSection final : public ReportSection {
 public:
  explicit PerOpSection(const ReportContext& context)
      : m_ops(analyze_ops(context)), m_blas_fallback(context.machine.blas_fallback) {}

  std::string text() const override {
    std::string s;
    auto out = std::back_inserter(s);
    const std::size_t w = op_name_width(m_ops);
    fmt::format_to(out, "\n{:<{}} {:<8} {:>8} {:>10} {:>10} {:>10} {:>9} {:>9} {:>10} {:>7}\n", "op", w, "kind", "count",
                   "mean", "p50", "p99", "GFLOP/s", "mem GB/s", "busbw GB/s", "share");
    for (const OpFigures& op : m_ops)
      fmt::format_to(out, "{:<{}} {:<8} {:>8} {:>10} {:>10} {:>10} {:>9} {:>9} {:>10} {:>6.1f}%\n", op.name, w,
                     op_kind_name(op.kind), op.count, units::seconds(op.time_s.mean), units::seconds(op.time_s.p50),
                     units::seconds(op.time_s.p99), fallback_marked(op, rate(op.gflops_per_s)), rate(op.mem_gbytes_per_s),
                     rate(op.comm_gbytes_per_s), 100.0 * op.share);
    if (m_blas_fallback) fmt::format_to(out, "† taken on a fallback BLAS kernel (see the machine section)\n");
    return s;
  }

  void add_json(json& report) const override {
    json ops = json::array();
    for (const OpFigures& op : m_ops)
      ops.push_back({{"name", op.name}, {"kind", op_kind_name(op.kind)}, {"count", op.count},
                     {"time_s", {{"mean", json_number(op.time_s.mean)}, {"p50", json_number(op.time_s.p50)},
                                 {"p99", json_number(op.time_s.p99)}, {"max", json_number(op.time_s.max)}}},
                     {"gflops_per_s", json_number(op.gflops_per_s)}, {"mem_gbytes_per_s", json_number(op.mem_gbytes_per_s)},
                     {"busbw_gbytes_per_s", json_number(op.comm_gbytes_per_s)}, {"share", json_number(op.share)},
                     {"blas_fallback", on_fallback(op)}});
    report["ops"] = ops;
  }

  void add_csv_rows(LongCsv& csv) const override {
    for (const OpFigures& op : m_ops) {
      const auto row = [&](const char* metric, double v) { csv.row("ops", op.name, metric, v); };
      row("count", static_cast<double>(op.count));
      row("mean_s", op.time_s.mean);
      row("p50_s", op.time_s.p50);
      row("p99_s", op.time_s.p99);
      row("gflops_per_s", op.gflops_per_s);
      row("mem_gbytes_per_s", op.mem_gbytes_per_s);
      row("busbw_gbytes_per_s", op.comm_gbytes_per_s);
      row("share", op.share);
      if (m_blas_fallback) row("blas_fallback", on_fallback(op) ? 1 : 0);
    }
  }

 private:
  // A CPU GEMM figure from a run whose OpenBLAS ran a fallback kernel.
  bool on_fallback(const OpFigures& op) const { return m_blas_fallback && op.kind == OpKind::compute && op.gflops_per_s > 0; }
  std::string fallback_marked(const OpFigures& op, std::string figure) const {
    return on_fallback(op) ? figure + "†" : figure;
  }

  std::vector<OpFigures> m_ops;
  bool m_blas_fallback = false;
};

}  // namespace

std::vector<OpFigures> analyze_ops(const ReportContext& context) {
  const TraceData& trace = context.trace;
  const ReportTotals& totals = *context.totals;
  // Ops are reported by name, over all layers, ranks and iterations.
  const OpNames names = report_op_names(trace.ops);
  std::vector<OpFigures> ops;
  for (std::size_t i = 0; i < names.names.size() && i < totals.ops.size(); ++i) {
    const OpTotals& acc = totals.ops[i];
    if (acc.count == 0) continue;
    const std::string& name = names.names[i];
    const double time_total = acc.time_ns.value() / units::k_ns_per_s;
    const double safe_time = time_total > 0 ? time_total : std::numeric_limits<double>::quiet_NaN();
    const stats::Summary time_s{.mean = time_total / static_cast<double>(acc.count), .p50 = acc.time_s.percentile(0.5),
                                .p99 = acc.time_s.percentile(0.99), .max = acc.time_s.max()};
    ops.push_back({.name = name,
                   .kind = trace.ops[names.first_op[i]].kind,
                   .count = acc.count,
                   .time_s = time_s,
                   .gflops_per_s = acc.flops.value() / safe_time / 1e9,
                   .mem_gbytes_per_s = acc.bytes_mem.value() / safe_time / 1e9,
                   // A nonblocking collective moves its bytes while in flight, not while its start runs.
                   .comm_gbytes_per_s = acc.in_flight_count > 0
                                            ? acc.bytes_comm.value() / (acc.in_flight_ns.value() / units::k_ns_per_s) / 1e9
                                            : acc.bytes_comm.value() / safe_time / 1e9,
                   .share = time_total / (context.trace.header.world_size * context.step_times.total_s)});
  }
  return ops;
}

std::unique_ptr<ReportSection> make_per_op_section(const ReportContext& context) {
  return std::make_unique<PerOpSection>(context);
}

}  // namespace flopwall
