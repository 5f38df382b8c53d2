#include "analysis/sections/sweep_section.hpp"

#include <fmt/format.h>

#include <iterator>

#include "analysis/json_number.hpp"

namespace flopwall {
namespace {

using json = nlohmann::json;

std::string cell(double v, int precision) { return fmt::format("{:.{}f}", v, precision); }

// The columns of one form (out-of-place or in-place) of a row.
// A form the transport lacks prints n/a; one left out by --inplace prints -.
std::string form_columns(const SweepRow* r) {
  if (!r) return fmt::format("{:>9} {:>7} {:>7} {:>6} {:>9} {:>9} {:>9}", "-", "-", "-", "-", "", "", "");
  if (!r->available)
    return fmt::format("{:>9} {:>7} {:>7} {:>6} {:>9} {:>9} {:>9}", "n/a", "n/a", "n/a", "n/a", "", "", "");
  const std::string wrong = r->wrong < 0 ? "-" : std::to_string(r->wrong);
  return fmt::format("{:>9} {:>7} {:>7} {:>6} {:>9} {:>9} {:>9}", cell(r->time_us, 2), cell(r->algbw_gbs, 2),
                     cell(r->busbw_gbs, 2), wrong, cell(r->p50_us, 2), cell(r->p99_us, 2), cell(r->max_us, 2));
}

class SweepSection final : public ReportSection {
 public:
  SweepSection(const ReportContext& context, SweepResult sweep)
      : m_sweep(std::move(sweep)),
        m_header_line(fmt::format("flopwall report {}: collective sweep, backend {} ({}), {} ranks, created {}{}",
                                  context.path, m_sweep.backend, m_sweep.transport, m_sweep.world_size,
                                  context.trace.header.created_utc,
                                  context.trace.header.truncated ? " (truncated: stopped early)" : "")),
        m_truncated(context.trace.header.truncated) {}

  std::string text() const override { return render_sweep_text(m_sweep, m_header_line); }

  void add_json(json& report) const override {
    report.update(sweep_json(m_sweep));
    // The stored tables keep no stop signal; the trace's root attribute says
    // whether a graceful stop cut the sweep short.
    report["truncated"] = m_truncated;
  }

  // Its figures are a wide table of their own.
  void add_csv_rows(LongCsv&) const override {}
  std::optional<std::string> own_csv_table() const override { return render_sweep_csv(m_sweep); }

 private:
  SweepResult m_sweep;
  std::string m_header_line;
  bool m_truncated = false;
};

}  // namespace

std::string render_sweep_text(const SweepResult& r, const std::string& header_line) {
  std::string s;
  auto out = std::back_inserter(s);
  fmt::format_to(out, "# {}\n", header_line);
  std::string section;
  for (std::size_t i = 0; i < r.rows.size(); ++i) {
    const SweepRow& row = r.rows[i];
    const std::string this_section = row.tier + "/" + row.collective;
    if (this_section != section) {
      section = this_section;
      fmt::format_to(out, "#\n# {} on tier {}\n", row.collective, row.tier);
      fmt::format_to(out, "# {:>10} {:>12} {:>8} {:>6} {:>5}  {:^62}  {:^62}\n", "", "", "", "", "", "out-of-place",
                     "in-place");
      const std::string cols = fmt::format("{:>9} {:>7} {:>7} {:>6} {:>9} {:>9} {:>9}", "time", "algbw", "busbw",
                                           "#wrong", "p50", "p99", "max");
      const std::string units = fmt::format("{:>9} {:>7} {:>7} {:>6} {:>9} {:>9} {:>9}", "(us)", "(GB/s)", "(GB/s)", "",
                                            "(us)", "(us)", "(us)");
      fmt::format_to(out, "# {:>10} {:>12} {:>8} {:>6} {:>5}  {}  {}\n", "size", "count", "type", "redop", "root", cols,
                     cols);
      fmt::format_to(out, "# {:>10} {:>12} {:>8} {:>6} {:>5}  {}  {}\n", "(B)", "(elements)", "", "", "", units, units);
    }
    // Rows come in out-of-place / in-place pairs of one size (either may be absent).
    const SweepRow* oop = row.inplace ? nullptr : &row;
    const SweepRow* ip = row.inplace ? &row : nullptr;
    if (oop && i + 1 < r.rows.size() && r.rows[i + 1].inplace && r.rows[i + 1].size_bytes == row.size_bytes &&
        r.rows[i + 1].collective == row.collective && r.rows[i + 1].tier == row.tier)
      ip = &r.rows[++i];
    fmt::format_to(out, "  {:>10} {:>12} {:>8} {:>6} {:>5}  {}  {}\n", row.size_bytes, row.count, row.dtype,
                   row.redop.empty() ? "none" : row.redop, row.root, form_columns(oop), form_columns(ip));
  }
  for (const std::string& note : r.notes) fmt::format_to(out, "# note: {}\n", note);
  for (const SweepFit& f : r.fits)
    fmt::format_to(out, "# fit {} on {}: time = {:.2f} us + size / {}, over {} size{}\n", f.collective, f.tier,
                   f.alpha_us, f.beta_gbs > 0 ? fmt::format("{:.2f} GB/s", f.beta_gbs) : "(no positive slope)", f.points,
                   f.points == 1 ? "" : "s");
  fmt::format_to(out, "# Out of bounds values : {} {}\n", r.wrong_total(), r.wrong_total() == 0 ? "OK" : "FAILED");
  fmt::format_to(out, "# Avg bus bandwidth    : {:.4f} GB/s\n", r.avg_busbw_gbs());
  return s;
}

json sweep_json(const SweepResult& r) {
  json results = json::array();
  for (const SweepRow& row : r.rows) {
    if (!row.available) continue;
    results.push_back({{"collective", row.collective}, {"tier", row.tier}, {"size_bytes", row.size_bytes},
                       {"count", row.count}, {"dtype", row.dtype}, {"redop", row.redop}, {"root", row.root},
                       {"inplace", row.inplace},
                       {"time_us", json_number(row.time_us)}, {"algbw_gbs", json_number(row.algbw_gbs)},
                       {"busbw_gbs", json_number(row.busbw_gbs)}, {"wrong", row.wrong < 0 ? json(nullptr) : json(row.wrong)},
                       {"p50_us", json_number(row.p50_us)}, {"p99_us", json_number(row.p99_us)}, {"max_us", json_number(row.max_us)}});
  }
  json fits = json::array();
  for (const SweepFit& f : r.fits)
    fits.push_back({{"collective", f.collective}, {"tier", f.tier}, {"alpha_us", json_number(f.alpha_us)},
                    {"beta_gbs", f.beta_gbs > 0 ? json(f.beta_gbs) : json(nullptr)}, {"points", f.points}});
  return {{"results", results}, {"avg_busbw_gbs", json_number(r.avg_busbw_gbs())}, {"wrong_total", r.wrong_total()},
          {"fits", fits}, {"notes", r.notes}, {"backend", r.backend}, {"transport", r.transport},
          {"world_size", r.world_size}, {"truncated", r.stop_signal != 0}};
}

std::string render_sweep_csv(const SweepResult& r) {
  std::string s =
      "collective,tier,size_bytes,count,dtype,redop,root,inplace,time_us,algbw_gbs,busbw_gbs,wrong,p50_us,p99_us,max_us\n";
  for (const SweepRow& row : r.rows)
    if (row.available)
      s += fmt::format("{},{},{},{},{},{},{},{},{:.4f},{:.4f},{:.4f},{},{:.4f},{:.4f},{:.4f}\n", row.collective, row.tier,
                       row.size_bytes, row.count, row.dtype, row.redop, row.root, row.inplace ? 1 : 0, row.time_us,
                       row.algbw_gbs,
                       row.busbw_gbs, row.wrong < 0 ? "" : std::to_string(row.wrong), row.p50_us, row.p99_us, row.max_us);
  return s;
}

std::unique_ptr<ReportSection> make_sweep_section(const ReportContext& context, SweepResult sweep) {
  return std::make_unique<SweepSection>(context, std::move(sweep));
}

}  // namespace flopwall
