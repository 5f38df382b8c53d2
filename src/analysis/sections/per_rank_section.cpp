#include "analysis/sections/per_rank_section.hpp"

#include <fmt/format.h>

#include <iterator>

#include "analysis/json_number.hpp"
#include "core/units.hpp"

namespace flopwall {
namespace {

using json = nlohmann::json;

double seconds(double ns) { return ns / units::k_ns_per_s; }

RankFigures rank_figures(const RankTrace& rank, const RankTotals& totals) {
  RankFigures r{.rank = rank.rank, .hostname = rank.info.hostname, .device = rank.info.device,
                .clock_offset_ns = rank.info.clock_offset_ns, .clock_error_ns = rank.info.clock_error_ns};
  if (totals.iterations == 0) return r;
  const auto n = static_cast<double>(totals.iterations);
  r.span_s = seconds(totals.span_ns.value()) / n;
  r.compute_s = seconds(totals.compute_ns.value()) / n;
  r.memory_s = seconds(totals.memory_ns.value()) / n;
  r.comm_s = seconds(totals.comm_ns.value()) / n;
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
  const auto& ranks_in = context.trace.ranks;
  for (std::size_t r = 0; r < ranks_in.size() && r < context.totals->ranks.size(); ++r)
    ranks.push_back(rank_figures(ranks_in[r], context.totals->ranks[r]));
  return ranks;
}

std::unique_ptr<ReportSection> make_per_rank_section(const ReportContext& context) {
  return std::make_unique<PerRankSection>(context);
}

}  // namespace flopwall
