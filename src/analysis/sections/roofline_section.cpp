#include "analysis/sections/roofline_section.hpp"

#include "analysis/async_ops.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <span>

#include "analysis/json_number.hpp"
#include "analysis/report_accumulator.hpp"
#include "core/units.hpp"

namespace flopwall {
namespace {

using json = nlohmann::json;

constexpr const char* k_not_calibrated = "not calibrated";

json optional_number(const std::optional<double>& v) { return v ? json_number(*v) : json(nullptr); }
json optional_bound(const std::optional<Bound>& b) { return b ? json(bound_name(*b)) : json(nullptr); }

// Figures without meaning for the op print as "-".
std::string fixed(double v, double scale = 1) { return std::isfinite(v) ? fmt::format("{:.2f}", v / scale) : "-"; }

std::string ceiling_text(const RooflinePoint& p) {
  if (!p.ceiling) return k_not_calibrated;
  switch (p.unit) {
    case CeilingUnit::flops_per_s: return fmt::format("{:.2f} GFLOP/s", *p.ceiling / 1e9);
    case CeilingUnit::bytes_per_s: return fmt::format("{:.2f} GB/s", *p.ceiling / 1e9);
    case CeilingUnit::seconds: return units::seconds(*p.ceiling);
  }
  return "-";
}

// The CSV metric of a ceiling names its unit.
const char* ceiling_metric(CeilingUnit u) {
  switch (u) {
    case CeilingUnit::flops_per_s: return "ceiling_flops_per_s";
    case CeilingUnit::bytes_per_s: return "ceiling_bytes_per_s";
    case CeilingUnit::seconds: return "ideal_time_s";
  }
  return "ceiling";
}

class RooflineSection final : public ReportSection {
 public:
  explicit RooflineSection(const ReportContext& context) : m_figures(analyze_roofline(context)) {}

  std::string text() const override {
    std::string s;
    auto out = std::back_inserter(s);
    const CalibrationRead& cal = m_figures.calibration;
    if (!cal.ceilings) {
      fmt::format_to(out, "\nroofline: not calibrated ({}); intensity and achieved rates only\n", cal.why_not);
    } else {
      fmt::format_to(out, "\nroofline (ceilings from the calibration, source '{}', {}; harmonic mean over ranks)\n",
                     cal.ceilings->source, cal.ceilings->dtype.empty() ? "dtype unknown" : cal.ceilings->dtype);
      if (cal.ceilings->devices.empty())
        fmt::format_to(out, "  compute and memory ops: not calibrated ({})\n", cal.devices_why_not);
      else
        fmt::format_to(out, "  peak {}   memory {} GB/s   ridge {} FLOP/B   op overhead {}\n",
                       units::flop_rate(m_figures.job.peak_flops_per_s), fixed(m_figures.job.mem_bw_bytes_per_s, 1e9),
                       fixed(m_figures.job.ridge_flops_per_byte),
                       std::isfinite(m_figures.job.op_overhead_s) ? units::seconds(m_figures.job.op_overhead_s)
                                                                  : std::string("unknown"));
      for (const TierCeiling& t : cal.ceilings->tiers)
        fmt::format_to(out, "  tier {:<6} {} alpha {}   busbw {} GB/s\n", t.tier, t.collective, units::seconds(t.alpha_s),
                       t.busbw_bytes_per_s > 0 ? fixed(t.busbw_bytes_per_s, 1e9) : std::string("unknown"));
      for (const std::string& c : m_figures.untimed_collectives)
        fmt::format_to(out, "  {} ops: not calibrated (the calibration times {} on no tier of theirs)\n",
                       c.empty() ? "allreduce" : c, c.empty() ? "allreduce" : c);
    }
    const std::size_t w = op_name_width(m_figures.rows);
    fmt::format_to(out, "{:<{}} {:<8} {:>10} {:>9} {:>9} {:>16} {:>9} {}\n", "op", w, "kind", "FLOP/B", "GFLOP/s",
                   "GB/s", "ceiling", "% ceiling", "bound");
    for (const RooflineRow& row : m_figures.rows) {
      const RooflinePoint& p = row.point;
      fmt::format_to(out, "{:<{}} {:<8} {:>10} {:>9} {:>9} {:>16} {:>9} {}\n", row.name, w, op_kind_name(row.kind),
                     fixed(p.intensity), fixed(p.achieved_flops_per_s, 1e9), fixed(p.achieved_bytes_per_s, 1e9),
                     row.async_wait ? std::string("with its start") : ceiling_text(p), p.pct_of_ceiling ? fmt::format("{:.1f}%", *p.pct_of_ceiling) : "-",
                     p.bound ? std::string(bound_name(*p.bound)) : "-");
    }
    return s;
  }

  void add_json(json& report) const override {
    json rows = json::array();
    for (const RooflineRow& row : m_figures.rows) {
      const RooflinePoint& p = row.point;
      rows.push_back({{"name", row.name}, {"kind", op_kind_name(row.kind)},
                      {"tier", row.tier.empty() ? json(nullptr) : json(row.tier)},
                      {"intensity", json_number(p.intensity)},
                      {"achieved_flops_per_s", json_number(p.achieved_flops_per_s)},
                      {"achieved_bytes_per_s", json_number(p.achieved_bytes_per_s)},
                      {"ceiling", optional_number(p.ceiling)}, {"ceiling_unit", ceiling_unit_name(p.unit)},
                      {"pct_of_ceiling", optional_number(p.pct_of_ceiling)}, {"bound", optional_bound(p.bound)}});
      add_to_op_entry(report, row);
    }
    report["roofline"] = ceilings_json();
    report["roofline"]["ops"] = std::move(rows);
  }

  void add_csv_rows(LongCsv& csv) const override {
    const JobCeiling& job = m_figures.job;
    csv.row("roofline", "all", "peak_flops_per_s", job.peak_flops_per_s);
    csv.row("roofline", "all", "mem_bw_bytes_per_s", job.mem_bw_bytes_per_s);
    csv.row("roofline", "all", "ridge_flops_per_byte", job.ridge_flops_per_byte);
    csv.row("roofline", "all", "op_overhead_s", job.op_overhead_s);
    for (const RooflineRow& row : m_figures.rows) {
      const RooflinePoint& p = row.point;
      const auto put = [&](std::string_view metric, double v) { csv.row("roofline", row.name, metric, v); };
      put("intensity_flops_per_byte", p.intensity);
      put("achieved_flops_per_s", p.achieved_flops_per_s);
      put("achieved_bytes_per_s", p.achieved_bytes_per_s);
      put(ceiling_metric(p.unit), p.ceiling.value_or(std::nan("")));
      put("pct_of_ceiling", p.pct_of_ceiling.value_or(std::nan("")));
      // The class as a one-hot row: the long table holds numbers only.
      if (p.bound) put(fmt::format("bound_{}", bound_name(*p.bound)), 1);
    }
  }

 private:
  // The per-op table's entry of the same name gains the roofline's keys.
  static void add_to_op_entry(json& report, const RooflineRow& row) {
    const auto ops = report.find("ops");
    if (ops == report.end() || !ops->is_array()) return;
    for (json& entry : *ops)
      if (entry.is_object() && entry.value("name", "") == row.name) {
        entry["intensity"] = json_number(row.point.intensity);
        entry["bound"] = optional_bound(row.point.bound);
        entry["pct_of_ceiling"] = optional_number(row.point.pct_of_ceiling);
      }
  }

  json ceilings_json() const {
    const CalibrationRead& cal = m_figures.calibration;
    const JobCeiling& job = m_figures.job;
    json devices = json::array(), tiers = json::array();
    if (cal.ceilings) {
      for (const DeviceCeiling& d : cal.ceilings->devices)
        devices.push_back({{"rank", d.rank}, {"host", d.host}, {"peak_flops_per_s", json_number(d.peak_flops_per_s)},
                           {"mem_bw_bytes_per_s", json_number(d.mem_bw_bytes_per_s)},
                           {"op_overhead_s", json_number(d.op_overhead_s)}});
      for (const TierCeiling& t : cal.ceilings->tiers)
        tiers.push_back({{"tier", t.tier}, {"ranks", t.ranks}, {"collective", t.collective},
                         {"alpha_s", json_number(t.alpha_s)}, {"beta_s_per_byte", json_number(t.beta_s_per_byte)},
                         {"busbw_bytes_per_s", t.busbw_bytes_per_s > 0 ? json(t.busbw_bytes_per_s) : json(nullptr)}});
    }
    const auto reason = [](const std::string& why) { return why.empty() ? json(nullptr) : json(why); };
    return {{"calibrated", cal.ceilings.has_value()},
            {"not_calibrated", reason(cal.why_not)},
            {"devices_not_calibrated", reason(cal.devices_why_not)},
            {"source", cal.ceilings ? json(cal.ceilings->source) : json(nullptr)},
            {"dtype", cal.ceilings && !cal.ceilings->dtype.empty() ? json(cal.ceilings->dtype) : json(nullptr)},
            {"ceiling_over_ranks", "harmonic_mean"},
            {"peak_flops_per_s", json_number(job.peak_flops_per_s)},
            {"mem_bw_bytes_per_s", json_number(job.mem_bw_bytes_per_s)},
            {"ridge_flops_per_byte", json_number(job.ridge_flops_per_byte)},
            {"op_overhead_s", json_number(job.op_overhead_s)},
            {"devices", devices},
            {"tiers", tiers},
            {"untimed_collectives", m_figures.untimed_collectives}};
  }

  RooflineFigures m_figures;
};

}  // namespace

RooflineFigures analyze_roofline(const ReportContext& context) {
  const TraceData& trace = context.trace;
  RooflineFigures figures;
  figures.calibration =
      ceilings_of(context.calibration, context.config.string_field("dtype").value_or(""), trace.header.world_size);
  const Ceilings* ceilings = figures.calibration.ceilings ? &*figures.calibration.ceilings : nullptr;
  const std::span<const DeviceCeiling> devices =
      ceilings ? std::span<const DeviceCeiling>(ceilings->devices) : std::span<const DeviceCeiling>();
  figures.job = job_ceiling(devices);
  // The op table's names and order (per_op_section.cpp), over layers, ranks and iterations.
  const OpNames names = report_op_names(trace.ops);
  const AsyncOps async = async_ops(trace.ops);  // a nonblocking collective's wait is judged with its start
  const ReportTotals& totals = *context.totals;
  for (std::size_t i = 0; i < names.names.size() && i < totals.ops.size(); ++i) {
    const OpTotals& acc = totals.ops[i];
    if (acc.count == 0) continue;
    RooflineRow row{.name = names.names[i]};
    const OpInfo* info = &trace.ops[names.first_op[i]];
    row.kind = info->kind;
    // A nonblocking collective is judged over its in-flight time; its wait, which moves nothing, not at all.
    const bool in_flight = acc.in_flight_count > 0;
    const OpWork work{.kind = row.kind, .events = in_flight ? acc.in_flight_count : acc.count,
                      .flops = acc.flops.value(), .bytes_mem = acc.bytes_mem.value(),
                      .bytes_comm = acc.bytes_comm.value(),
                      .time_s = (in_flight ? acc.in_flight_ns.value() : acc.time_ns.value()) / units::k_ns_per_s};
    const TierCeiling* tier = nullptr;
    const bool async_wait = async.role[names.first_op[i]] == AsyncRole::wait;
    if (row.kind == OpKind::comm && ceilings && !async_wait) {
      tier = find_tier(*ceilings, tier_of_group(trace, info->group), info->collective);
      auto& untimed = figures.untimed_collectives;
      if (!tier && std::find(untimed.begin(), untimed.end(), info->collective) == untimed.end())
        untimed.push_back(info->collective);
    }
    if (tier) row.tier = tier->tier;
    row.async_wait = async_wait;
    row.point = op_roofline(work, devices, tier);
    figures.rows.push_back(std::move(row));
  }
  return figures;
}

std::unique_ptr<ReportSection> make_roofline_section(const ReportContext& context) {
  return std::make_unique<RooflineSection>(context);
}

}  // namespace flopwall
