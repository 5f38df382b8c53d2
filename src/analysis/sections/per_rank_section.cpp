#include "analysis/sections/per_rank_section.hpp"

#include <fmt/format.h>

#include <iterator>

#include "analysis/iteration_spans.hpp"
#include "analysis/json_number.hpp"
#include "core/units.hpp"

namespace flopwall {
namespace {

using json = nlohmann::json;

double seconds(double ns) { return ns / units::k_ns_per_s; }

RankFigures rank_figures(const RankTrace& rank, const std::vector<OpInfo>& ops, int iterations) {
  RankFigures r{.rank = rank.rank, .hostname = rank.info.hostname, .device = rank.info.device,
                .clock_offset_ns = rank.info.clock_offset_ns, .clock_error_ns = rank.info.clock_error_ns};
  const SpanTotals spans = span_totals(rank, iterations);
  double compute_ns = 0, memory_ns = 0, comm_ns = 0;
  for (const TraceEvent& e : rank.events) {
    // The reader refuses ops outside /ops; never index past it regardless.
    if (e.op < 0 || static_cast<std::size_t>(e.op) >= ops.size()) continue;
    const double d = duration_ns(e);
    switch (ops[static_cast<std::size_t>(e.op)].kind) {
      case OpKind::comm: comm_ns += d; break;
      case OpKind::memory: memory_ns += d; break;
      case OpKind::compute: compute_ns += d; break;
      case OpKind::idle: break;  // injected delays stay in "other"
    }
  }
  if (spans.iterations == 0) return r;
  const auto n = static_cast<double>(spans.iterations);
  r.span_s = seconds(spans.span_ns) / n;
  r.compute_s = seconds(compute_ns) / n;
  r.memory_s = seconds(memory_ns) / n;
  r.comm_s = seconds(comm_ns) / n;
  r.other_s = r.span_s - r.compute_s - r.memory_s - r.comm_s;
  return r;
}

class PerRankSection final : public ReportSection {
 public:
  explicit PerRankSection(const ReportContext& context) : m_ranks(analyze_ranks(context)) {}

  std::string text() const override {
    std::string s;
    auto out = std::back_inserter(s);
    fmt::format_to(out, "\nper rank, mean per iteration\n{:>5} {:<16} {:>10} {:>10} {:>10} {:>10} {:>10} {:>12}\n",
                   "rank", "host", "span", "compute", "memory", "comm", "other", "clock err");
    for (const RankFigures& k : m_ranks)
      fmt::format_to(out, "{:>5} {:<16} {:>10} {:>10} {:>10} {:>10} {:>10} {:>12}\n", k.rank, k.hostname,
                     units::seconds(k.span_s), units::seconds(k.compute_s), units::seconds(k.memory_s),
                     units::seconds(k.comm_s), units::seconds(k.other_s),
                     units::seconds(static_cast<double>(k.clock_error_ns) / units::k_ns_per_s));
    return s;
  }

  void add_json(json& report) const override {
    json ranks = json::array();
    for (const RankFigures& k : m_ranks)
      ranks.push_back({{"rank", k.rank}, {"hostname", k.hostname}, {"device", k.device}, {"span_s", json_number(k.span_s)},
                       {"compute_s", json_number(k.compute_s)}, {"memory_s", json_number(k.memory_s)},
                       {"comm_s", json_number(k.comm_s)}, {"other_s", json_number(k.other_s)},
                       {"clock_offset_ns", k.clock_offset_ns}, {"clock_error_ns", k.clock_error_ns}});
    report["ranks"] = ranks;
  }

  void add_csv_rows(LongCsv& csv) const override {
    for (const RankFigures& k : m_ranks) {
      const std::string key = std::to_string(k.rank);
      const auto row = [&](const char* metric, double v) { csv.row("ranks", key, metric, v); };
      row("span_s", k.span_s);
      row("compute_s", k.compute_s);
      row("memory_s", k.memory_s);
      row("comm_s", k.comm_s);
      row("other_s", k.other_s);
      row("clock_offset_ns", static_cast<double>(k.clock_offset_ns));
      row("clock_error_ns", static_cast<double>(k.clock_error_ns));
    }
  }

 private:
  std::vector<RankFigures> m_ranks;
};

}  // namespace

std::vector<RankFigures> analyze_ranks(const ReportContext& context) {
  std::vector<RankFigures> ranks;
  for (const RankTrace& rank : context.trace.ranks)
    ranks.push_back(rank_figures(rank, context.trace.ops, context.iterations));
  return ranks;
}

std::unique_ptr<ReportSection> make_per_rank_section(const ReportContext& context) {
  return std::make_unique<PerRankSection>(context);
}

}  // namespace flopwall
