#include "analysis/visual/charts_section.hpp"

#include <algorithm>
#include <cmath>

#include "analysis/json_number.hpp"
#include "analysis/step_times.hpp"

namespace flopwall {
namespace {

using json = nlohmann::json;

// The CDF's levels: every half percent, and the far tail the p99.9 mark sits in.
std::vector<double> cdf_levels() {
  std::vector<double> q;
  for (int k = 0; k <= 200; ++k) q.push_back(k / 200.0);
  for (double tail : {0.999, 0.9999}) q.push_back(tail);
  std::sort(q.begin(), q.end());
  return q;
}

const json* find(const json& j, const char* key) {
  if (!j.is_object()) return nullptr;
  const auto it = j.find(key);
  return it == j.end() ? nullptr : &*it;
}

double number_or(const json* j, double fallback) { return j && j->is_number() ? j->get<double>() : fallback; }

class ChartsSection final : public ReportSection {
 public:
  ChartsSection(const ReportContext& context, ChartEvents events)
      : m_steps(context.step_times), m_events(std::move(events)) {
    if (m_steps.empty()) return;
    const ReportTotals& totals = *context.totals;
    m_series = totals.step_series;
    const stats::QuantileSketch sketch = all_steps(totals);
    for (double q : cdf_levels()) m_cdf.push_back({{"q", q}, {"step_s", json_number(sketch.percentile(q))}});
  }

  std::string text() const override { return {}; }
  void add_csv_rows(LongCsv&) const override {}

  void add_json(json& report) const override {
    json charts = json::object();
    if (!m_steps.empty()) add_steps(charts);
    if (const json breakdown = rank_breakdown(report); !breakdown.empty()) charts["breakdown"] = breakdown;
    if (!m_events.timeline.is_null()) charts["timeline"] = m_events.timeline;
    if (!m_events.arrival_map.is_null()) charts["arrival_map"] = m_events.arrival_map;
    if (const json c = collective_series(report); !c.empty()) charts["collectives"] = c;
    if (const json r = roofline(report); !r.is_null()) charts["roofline"] = r;
    if (const json w = workload(report); !w.is_null()) charts["workload"] = w;
    report["charts"] = std::move(charts);
  }

 private:
  void add_steps(json& charts) const {
    json points = json::array();
    for (const StepPoint& p : m_series.points()) points.push_back({{"iter", p.iter}, {"step_s", p.step_s}});
    charts["steps"] = {{"bucket_iterations", m_series.bucket_iterations()}, {"points", std::move(points)}};
    charts["step_cdf"] = m_cdf;
    json marks = json::array();
    for (const auto& [name, v] : {std::pair{"p50", m_steps.p50_s}, {"p99", m_steps.p99_s}, {"p99.9", m_steps.p999_s}}) {
      if (!std::isfinite(v)) continue;
      marks.push_back({{"name", name}, {"step_s", v}, {"line", {{{"step_s", v}, {"q", 0.0}}, {{"step_s", v}, {"q", 1.0}}}}});
    }
    charts["step_marks"] = std::move(marks);
  }

  // Per rank, the mean iteration's seconds by what they went to: the per
  // rank section's compute, memory and other; the sync section's split of
  // communication into waiting for the last arrival and the rest.
  static json rank_breakdown(const json& report) {
    const json* ranks = find(report, "ranks");
    if (!ranks || !ranks->is_array()) return json::array();
    const json* sync = find(report, "sync");
    const json* sync_ranks = sync ? find(*sync, "ranks") : nullptr;
    json rows = json::array();
    for (const json& r : *ranks) {
      const json* sr = nullptr;
      if (sync_ranks && sync_ranks->is_array())
        for (const json& s : *sync_ranks)
          if (s.value("rank", -1) == r.value("rank", -2)) sr = &s;
      rows.push_back({{"rank", r.value("rank", -1)},
                      {"compute_s", number_or(find(r, "compute_s"), 0)},
                      {"memory_s", number_or(find(r, "memory_s"), 0)},
                      {"comm_s", sr ? number_or(find(*sr, "comm_s"), 0) : number_or(find(r, "comm_s"), 0)},
                      {"wait_s", sr ? number_or(find(*sr, "wait_s"), 0) : 0.0},
                      {"other_s", number_or(find(r, "other_s"), 0)}});
    }
    return rows;
  }

  // A collective sweep's sizes per (collective, tier, in place), with the
  // α/β fit's time at each size: alpha_us + size / (beta_gbs · 10³)
  // (docs/metrics.md, "Fitting α and β").
  static json collective_series(const json& report) {
    const json* results = find(report, "results");
    if (!results || !results->is_array()) return json::array();
    json series = json::array();
    for (const json& r : *results) {
      const std::string collective = r.value("collective", ""), tier = r.value("tier", "");
      const bool inplace = r.value("inplace", false);
      json* s = nullptr;
      for (json& have : series)
        if (have["collective"] == collective && have["tier"] == tier && have["inplace"] == inplace) s = &have;
      if (!s) {
        series.push_back({{"collective", collective}, {"tier", tier}, {"inplace", inplace}, {"points", json::array()}});
        s = &series.back();
      }
      (*s)["points"].push_back({{"size_bytes", r.value("size_bytes", 0.0)},
                                {"time_us", number_or(find(r, "time_us"), 0)},
                                {"busbw_gbs", number_or(find(r, "busbw_gbs"), 0)}});
    }
    const json* fits = find(report, "fits");
    for (json& s : series) {
      if (!fits || !fits->is_array()) break;
      for (const json& f : *fits) {
        if (f.value("collective", "") != s["collective"] || f.value("tier", "") != s["tier"]) continue;
        const double alpha = number_or(find(f, "alpha_us"), 0), beta = number_or(find(f, "beta_gbs"), 0);
        json line = json::array();
        for (const json& p : s["points"]) {
          const double bytes = p["size_bytes"].get<double>();
          line.push_back({{"size_bytes", bytes}, {"time_us", alpha + (beta > 0 ? bytes / (beta * 1e3) : 0.0)}});
        }
        s["fit"] = {{"alpha_us", alpha}, {"beta_gbs", beta}, {"line", std::move(line)}};
      }
    }
    return series;
  }

  // Ops with a FLOP rate against their intensity, under the calibrated roof:
  // min(peak, intensity · bandwidth), drawn through its two ends and the ridge.
  static json roofline(const json& report) {
    const json* r = find(report, "roofline");
    if (!r || !r->value("calibrated", false)) return nullptr;
    const double peak = number_or(find(*r, "peak_flops_per_s"), NAN), bw = number_or(find(*r, "mem_bw_bytes_per_s"), NAN);
    if (!(peak > 0) || !(bw > 0)) return nullptr;
    json ops = json::array();
    double lo = peak / bw, hi = peak / bw;
    if (const json* list = find(*r, "ops"); list && list->is_array())
      for (const json& op : *list) {
        const double x = number_or(find(op, "intensity"), 0), y = number_or(find(op, "achieved_flops_per_s"), 0);
        if (!(x > 0) || !(y > 0)) continue;  // memory and comm ops have no place on a log FLOP axis
        ops.push_back({{"name", op.value("name", "")}, {"intensity", x}, {"flops_per_s", y}});
        lo = std::min(lo, x);
        hi = std::max(hi, x);
      }
    if (ops.empty()) return nullptr;
    const double ridge = peak / bw;
    json roof = json::array();
    for (double x : {lo / 4, ridge, hi * 4}) roof.push_back({{"intensity", x}, {"flops_per_s", std::min(peak, x * bw)}});
    return {{"ops", std::move(ops)}, {"roof", std::move(roof)}, {"ridge_flops_per_byte", ridge}};
  }

  // A workload sweep: throughput and p99 against the swept value, the knee
  // and the SLO limit marked.
  static json workload(const json& report) {
    const json* sweep = find(report, "sweep");
    if (!sweep || !sweep->is_object()) return nullptr;
    const json* points = find(*sweep, "points");
    if (!points || !points->is_array() || points->empty()) return nullptr;
    const std::string metric = sweep->value("knee_metric", "tokens_per_s");
    json out = {{"param", sweep->value("param", "")}, {"metric", metric}, {"points", json::array()}};
    double lo = INFINITY, hi = -INFINITY;
    for (const json& p : *points) {
      const double v = number_or(find(p, "value"), NAN);
      out["points"].push_back({{"value", v}, {"throughput", number_or(find(p, metric.c_str()), 0)},
                               {"p99_s", number_or(find(p, "p99_s"), 0)}});
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
    const json* knee = find(*sweep, "knee");
    json marks = json::array();
    if (knee && knee->is_number())
      for (const json& p : out["points"])
        if (p["value"] == *knee) marks.push_back(p);
    out["knee"] = std::move(marks);
    if (const json* slo = find(*sweep, "slo_p99_s"); slo && slo->is_number())
      out["slo_line"] = {{{"value", lo}, {"p99_s", *slo}}, {{"value", hi}, {"p99_s", *slo}}};
    return out;
  }

  StepTimes m_steps;
  StepSeries m_series;
  json m_cdf = json::array();
  ChartEvents m_events;
};

}  // namespace

std::unique_ptr<ReportSection> make_charts_section(const ReportContext& context, ChartEvents events) {
  return std::make_unique<ChartsSection>(context, std::move(events));
}

}  // namespace flopwall
