#include "analysis/compare/comparison_output.hpp"

#include <fmt/format.h>

#include <cmath>

#include "analysis/json_number.hpp"
#include "analysis/long_csv.hpp"
#include "core/units.hpp"

namespace flopwall {
namespace {

std::string file_name(const std::string& path) {
  const auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string value_text(const CompareRow& row, double v) {
  if (!std::isfinite(v)) return "-";
  if (row.metric.ends_with("_s")) return units::seconds(v);
  if (row.metric == "tflops" || row.metric == "tflops_per_rank") return units::flop_rate(v * 1e12);
  if (row.metric == "busbw_gbs") return fmt::format("{:.3g} GB/s", v);
  return fmt::format("{:.4g}", v);
}

// "slower" or "faster" for a significant time, "higher"/"lower" for a throughput.
std::string verdict(const CompareRow& row, const CompareCell& cell) {
  if (!cell.significant) return "";
  const bool up = cell.ratio > 1;
  if (row.lower_is_better) return up ? " slower" : " faster";
  return up ? " higher" : " lower";
}

std::string cell_text(const CompareRow& row, const CompareCell& cell, bool baseline) {
  if (baseline || !std::isfinite(cell.ratio)) return value_text(row, cell.value);
  return fmt::format("{} ×{:.3f} [{:.3f}, {:.3f}]{}", value_text(row, cell.value), cell.ratio, cell.low, cell.high,
                     verdict(row, cell));
}

std::string pct(double fraction) { return fmt::format("{:.3g}%", fraction * 100); }

}  // namespace

std::string comparison_method(const Comparison& c) {
  return fmt::format(
      "ratio: a run's median (p99) over the baseline's; interval: {}% percentile bootstrap, {} resamples of "
      "each run's per-iteration times; significant: the interval lies wholly outside 1 ± {}",
      c.options.confidence * 100, c.options.resamples, pct(c.options.noise));
}

std::string comparison_text(const Comparison& c) {
  std::string out = fmt::format("flopwall compare  {} runs, baseline {}\n", c.runs.size(),
                                file_name(c.runs[c.options.baseline].path));
  out += fmt::format("  {:>3} {:<36} {:<12} {:>6} {:>6} {:<8} {:>10}  {}\n", "run", "file", "kind", "ranks", "nodes",
                     "backend", "iterations", "created");
  for (std::size_t r = 0; r < c.runs.size(); ++r) {
    const CompareRun& run = c.runs[r];
    out += fmt::format("  {:>3} {:<36} {:<12} {:>6} {:>6} {:<8} {:>10}  {}{}\n",
                       fmt::format("{}{}", r == c.options.baseline ? "*" : "", r), file_name(run.path), run.kind,
                       run.header.world_size, run.hosts.size(), run.header.backend, run.iterations,
                       run.header.created_utc, run.header.truncated ? "  (truncated)" : "");
  }
  out += "\nwhat differs\n";
  if (c.differences.empty()) out += "  nothing recorded: same configuration, hardware, software and environment\n";
  for (const CompareDifference& d : c.differences) {
    std::string values;
    for (const std::string& v : d.values) values += (values.empty() ? "" : " | ") + (v.empty() ? "-" : v.substr(0, 60));
    out += fmt::format("  {:<36} {}\n", d.what, values);
  }
  if (c.scaling) {
    std::string eff;
    for (const double e : c.scaling->efficiency) eff += (eff.empty() ? "" : " | ") + pct(e);
    out += fmt::format("\nscaling ({}: {}): efficiency {}\n", c.scaling->mode,
                       c.scaling->mode == "strong" ? "the same work per iteration in all runs; T0·N0 / (T·N) at the p50 step"
                                                   : "the same work per rank; T0 / T at the p50 step",
                       eff);
  } else if (!c.scaling_note.empty()) {
    out += "\n" + c.scaling_note + "\n";
  }
  out += fmt::format("\n{:<40} {:<16}", "key", "metric");
  for (const CompareRun& run : c.runs) out += fmt::format(" {:<44}", file_name(run.path).substr(0, 44));
  out += '\n';
  for (const CompareRow& row : c.rows) {
    out += fmt::format("{:<40} {:<16}", row.key, row.metric);
    for (std::size_t r = 0; r < row.cells.size(); ++r)
      out += fmt::format(" {:<44}", cell_text(row, row.cells[r], r == c.options.baseline));
    out += '\n';
  }
  out += "\n" + comparison_method(c) + "\n";
  if (c.options.fail_if_slower) {
    out += fmt::format("gate (--fail-if-slower {}): ", pct(*c.options.fail_if_slower));
    if (c.regressions.empty()) out += "passed: no median time is significantly slower by more than that\n";
    else out += fmt::format("FAILED: {} regression(s)\n", c.regressions.size());
    for (const CompareRegression& g : c.regressions)
      out += fmt::format("  {} {} {}: ×{:.3f} (interval from ×{:.3f})\n", file_name(c.runs[g.run].path), g.key,
                         g.metric, g.ratio, g.low);
  }
  return out;
}

nlohmann::json comparison_json(const Comparison& c) {
  using nlohmann::json;
  json runs = json::array();
  for (const CompareRun& run : c.runs)
    runs.push_back({{"file", run.path},
                    {"kind", run.kind},
                    {"world_size", run.header.world_size},
                    {"nodes", run.hosts.size()},
                    {"hosts", run.hosts},
                    {"backend", run.header.backend},
                    {"iterations", run.iterations},
                    {"truncated", run.header.truncated},
                    {"created_utc", run.header.created_utc},
                    {"tool_version", run.header.tool_version}});
  json rows = json::array();
  for (const CompareRow& row : c.rows) {
    json values = json::array(), ratio = json::array(), ci = json::array(), significant = json::array();
    for (const CompareCell& cell : row.cells) {
      values.push_back(json_number(cell.value));
      ratio.push_back(json_number(cell.ratio));
      ci.push_back({json_number(cell.low), json_number(cell.high)});
      significant.push_back(cell.significant);
    }
    rows.push_back({{"key", row.key}, {"metric", row.metric}, {"lower_is_better", row.lower_is_better},
                    {"gated", row.gated}, {"values", values}, {"ratio", ratio}, {"ci", ci},
                    {"significant", significant}});
  }
  json differences = json::array();
  for (const CompareDifference& d : c.differences) differences.push_back({{"what", d.what}, {"values", d.values}});
  json regressions = json::array();
  for (const CompareRegression& g : c.regressions)
    regressions.push_back({{"run", g.run}, {"file", c.runs[g.run].path}, {"key", g.key}, {"metric", g.metric},
                           {"ratio", json_number(g.ratio)}, {"ci_low", json_number(g.low)}});
  json scaling = nullptr;
  if (c.scaling) {
    json eff = json::array();
    for (const double e : c.scaling->efficiency) eff.push_back(json_number(e));
    scaling = {{"mode", c.scaling->mode}, {"efficiency", eff}};
  }
  return {{"runs", runs},
          {"baseline", c.options.baseline},
          {"method", {{"description", comparison_method(c)}, {"confidence", c.options.confidence},
                      {"resamples", c.options.resamples}, {"noise", c.options.noise}}},
          {"differences", differences},
          {"scaling", scaling},
          {"scaling_note", c.scaling_note.empty() ? json(nullptr) : json(c.scaling_note)},
          {"rows", rows},
          {"fail_if_slower", c.options.fail_if_slower ? json(*c.options.fail_if_slower) : json(nullptr)},
          {"regressions", regressions}};
}

std::string comparison_csv(const Comparison& c) {
  std::string out = "key,metric,file,value,ratio,ci_low,ci_high,significant\n";
  const auto number = [](double v) { return std::isfinite(v) ? fmt::format("{:.9g}", v) : std::string(); };
  for (const CompareRow& row : c.rows)
    for (std::size_t r = 0; r < row.cells.size(); ++r) {
      const CompareCell& cell = row.cells[r];
      out += fmt::format("{},{},{},{},{},{},{},{}\n", csv_field(row.key), csv_field(row.metric),
                         csv_field(c.runs[r].path), number(cell.value), number(cell.ratio), number(cell.low),
                         number(cell.high), cell.significant ? 1 : 0);
    }
  return out;
}

}  // namespace flopwall
