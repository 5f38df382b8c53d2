#include "analysis/sections/workload_sweep_section.hpp"

#include <fmt/format.h>

#include <cmath>
#include <iterator>

#include "analysis/json_number.hpp"
#include "analysis/sweep_knee.hpp"
#include "core/units.hpp"

namespace flopwall {
namespace {

using json = nlohmann::json;

std::string knee_metric_name(const SweepFigures& f) {
  const SweepParam* p = find_sweep_param(f.sweep.param);
  return p && p->knee_metric == KneeMetric::tflops_per_rank ? "tflops_per_rank" : "tokens_per_s";
}

std::string cell(double v, const char* spec) {
  return std::isfinite(v) ? fmt::format(fmt::runtime(spec), v) : std::string("-");
}

class WorkloadSweepSection final : public ReportSection {
 public:
  WorkloadSweepSection(const ReportContext& context, SweepFigures figures)
      : m_f(std::move(figures)), m_path(context.path), m_header(context.trace.header),
        m_config(context.config.document) {}

  std::string text() const override {
    std::string s;
    auto out = std::back_inserter(s);
    const std::string flag(find_sweep_param(m_f.sweep.param)->flag);
    fmt::format_to(out, "flopwall report  {}\n", m_path);
    fmt::format_to(out, "sweep      {} over {} values ({} measured), {} ranks, backend {}, created {}{}\n", flag,
                   m_f.planned, m_f.points.size(), m_header.world_size, m_header.backend, m_header.created_utc,
                   m_header.truncated ? " (truncated: stopped early, by a signal)" : "");
    fmt::format_to(out, "command    {}\n", m_header.command_line);
    const char* latency = m_f.serve ? "request" : "step";
    fmt::format_to(out, "\n  {:>10}  {:>6}  {:>14}  {:>12}  {:>11}  {:>11}\n", m_f.sweep.param, "iters", "tokens/s",
                   "TFLOP/s/rank", fmt::format("{} p50", latency), fmt::format("{} p99", latency));
    for (std::size_t i = 0; i < m_f.points.size(); ++i) {
      const SweepPointFigures& p = m_f.points[i];
      std::string marks;
      if (m_f.knee == i) marks += "  <- knee";
      if (m_f.slo_max == i) marks += "  <- largest within SLO";
      if (p.truncated) marks += "  (truncated)";
      fmt::format_to(out, "  {:>10}  {:>6}  {:>14}  {:>12}  {:>11}  {:>11}{}\n", p.value, p.iterations,
                     cell(p.tokens_per_s, "{:.1f}"), cell(p.tflops_per_rank, "{:.4f}"),
                     std::isfinite(p.p50_s) ? units::seconds(p.p50_s) : "-",
                     std::isfinite(p.p99_s) ? units::seconds(p.p99_s) : "-", marks);
    }
    const std::string metric = knee_metric_name(m_f) == "tokens_per_s" ? "tokens/s" : "TFLOP/s per rank";
    if (m_f.knee)
      fmt::format_to(out, "\nknee       {} {}: the smallest value reaching {:.0f}% of the best {}\n", m_f.sweep.param,
                     m_f.points[*m_f.knee].value, k_knee_fraction * 100, metric);
    else
      fmt::format_to(out, "\nknee       not found: no point has a measured {}\n", metric);
    if (m_f.sweep.slo_p99_s) {
      if (m_f.slo_max)
        fmt::format_to(out, "SLO        {} p99 <= {}: largest {} within it: {}\n", latency,
                       units::seconds(*m_f.sweep.slo_p99_s), m_f.sweep.param, m_f.points[*m_f.slo_max].value);
      else
        fmt::format_to(out, "SLO        {} p99 <= {}: no value within it (the smallest already misses it)\n", latency,
                       units::seconds(*m_f.sweep.slo_p99_s));
    }
    fmt::format_to(out, "\nEach point's whole report: flopwall report {} --point K (K = 0 .. {}, in run order)\n",
                   m_path, m_f.points.size() - 1);
    return s;
  }

  void add_json(json& report) const override {
    report["file"] = m_path;
    report["world_size"] = m_header.world_size;
    report["backend"] = m_header.backend;
    report["truncated"] = m_header.truncated;
    report["created_utc"] = m_header.created_utc;
    report["config"] = m_config;
    json points = json::array();
    for (const SweepPointFigures& p : m_f.points)
      points.push_back({{"value", json_number(p.numeric)}, {"tokens_per_s", json_number(p.tokens_per_s)},
                        {"tflops_per_rank", json_number(p.tflops_per_rank)}, {"p50_s", json_number(p.p50_s)},
                        {"p99_s", json_number(p.p99_s)}, {"iterations", p.iterations}, {"truncated", p.truncated}});
    const auto value_at = [&](const std::optional<std::size_t>& i) {
      return i ? json_number(m_f.points[*i].numeric) : json(nullptr);
    };
    report["sweep"] = {{"param", m_f.sweep.param},
                       {"flag", std::string(find_sweep_param(m_f.sweep.param)->flag)},
                       {"latency", m_f.serve ? "request_latency" : "step_time"},
                       {"knee_metric", knee_metric_name(m_f)},
                       {"values_planned", m_f.planned},
                       {"points", std::move(points)},
                       {"knee", value_at(m_f.knee)},
                       {"slo_p99_s", m_f.sweep.slo_p99_s ? json(*m_f.sweep.slo_p99_s) : json(nullptr)},
                       {"slo_max", value_at(m_f.slo_max)}};
  }

  void add_csv_rows(LongCsv& csv) const override {
    for (const SweepPointFigures& p : m_f.points) {
      const auto row = [&](const char* metric, double v) { csv.row("sweep", p.value, metric, v); };
      row("tokens_per_s", p.tokens_per_s);
      row("tflops_per_rank", p.tflops_per_rank);
      row("p50_s", p.p50_s);
      row("p99_s", p.p99_s);
      row("iterations", p.iterations);
    }
    const auto value_at = [&](const std::optional<std::size_t>& i) {
      return i ? m_f.points[*i].numeric : std::nan("");
    };
    csv.row("sweep", "all", "knee", value_at(m_f.knee));
    if (m_f.sweep.slo_p99_s) {
      csv.row("sweep", "all", "slo_p99_s", *m_f.sweep.slo_p99_s);
      csv.row("sweep", "all", "slo_max", value_at(m_f.slo_max));
    }
  }

 private:
  SweepFigures m_f;
  std::string m_path;
  TraceHeader m_header;
  json m_config;
};

}  // namespace

std::unique_ptr<ReportSection> make_workload_sweep_section(const ReportContext& context, SweepFigures figures) {
  return std::make_unique<WorkloadSweepSection>(context, std::move(figures));
}

}  // namespace flopwall
