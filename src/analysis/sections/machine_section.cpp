#include "analysis/sections/machine_section.hpp"

#include <fmt/format.h>

#include <iterator>

#include "analysis/json_number.hpp"
#include "analysis/machine_text.hpp"
#include "analysis/peak_figures.hpp"
#include "core/units.hpp"

namespace flopwall {
namespace {

using json = nlohmann::json;

std::string percent_of(const std::optional<double>& part, const std::optional<double>& whole) {
  if (!part || !whole || *whole <= 0) return "-";
  return fmt::format("{:.1f}%", 100.0 * *part / *whole);
}

json optional_number(const std::optional<double>& v) { return v ? json_number(*v) : json(nullptr); }

class MachineSection final : public ReportSection {
 public:
  explicit MachineSection(const ReportContext& context) : m_machine(context.machine), m_peaks(analyze_peaks(context)) {}

  std::string text() const override {
    std::string s;
    auto out = std::back_inserter(s);
    const int of = static_cast<int>(m_machine.classes.size());
    fmt::format_to(out, "\nmachine: {}\n", of ? fmt::format("{} node class{}", of, of == 1 ? "" : "es") : m_machine.missing);
    for (int i = 0; i < of; ++i) s += node_class_text(m_machine.classes[static_cast<std::size_t>(i)], i + 1, of);
    if (of == 0) return s;
    if (!m_peaks.missing.empty()) {
      fmt::format_to(out, "\npeaks: {}\n", m_peaks.missing);
      return s;
    }
    fmt::format_to(out, "\npeaks per rank ({}): theoretical is an estimate from the formula shown; calibrated: {}\n",
                   m_peaks.flops.empty() ? "none" : m_peaks.flops.front().device,
                   m_peaks.calibrated ? "measured, " + m_peaks.calibration + ", harmonic mean over ranks"
                                      : "not measured (" + m_peaks.calibration + ")");
    fmt::format_to(out, "  {:<6} {:>14} {:>14} {:>8} {:>10}  {}\n", "dtype", "theoretical", "achieved", "% theor",
                   "% calib", "formula");
    for (const PeakFigure& p : m_peaks.flops)
      fmt::format_to(out, "  {:<6} {:>14} {:>14} {:>8} {:>10}  {}\n", p.dtype, units::flop_rate(p.theoretical_flops_per_s),
                     p.achieved_flops_per_s ? units::flop_rate(*p.achieved_flops_per_s) : "-",
                     percent_of(p.achieved_flops_per_s, p.theoretical_flops_per_s),
                     percent_of(p.achieved_flops_per_s, p.calibrated_flops_per_s), p.formula);
    fmt::format_to(out, "  memory bandwidth: theoretical {}{}; calibrated: {}\n",
                   m_peaks.memory.theoretical_bytes_per_s
                       ? units::bytes(*m_peaks.memory.theoretical_bytes_per_s) + "/s = "
                       : std::string(),
                   m_peaks.memory.formula,
                   m_peaks.memory.calibrated_bytes_per_s
                       ? units::bytes(*m_peaks.memory.calibrated_bytes_per_s) + "/s (streaming triad)"
                       : std::string("not measured"));
    if (m_machine.blas_fallback)
      fmt::format_to(out, "  † CPU GEMM figures of this run were taken on a fallback BLAS kernel (see blas above)\n");
    return s;
  }

  void add_json(json& report) const override {
    json classes = json::array();
    for (const NodeClass& c : m_machine.classes)
      classes.push_back({{"count", c.count}, {"hosts", c.hosts}, {"inventory", inventory_to_json(c.inventory)}});
    json peaks = json::array();
    for (const PeakFigure& p : m_peaks.flops)
      peaks.push_back({{"dtype", p.dtype},
                       {"device", p.device},
                       {"theoretical_flops_per_s", json_number(p.theoretical_flops_per_s)},
                       {"theoretical_is_estimate", true},
                       {"formula", p.formula},
                       {"achieved_flops_per_s", optional_number(p.achieved_flops_per_s)},
                       {"calibrated_flops_per_s", optional_number(p.calibrated_flops_per_s)},
                       {"pct_of_theoretical", p.achieved_flops_per_s && p.theoretical_flops_per_s > 0
                                                  ? json_number(100.0 * *p.achieved_flops_per_s / p.theoretical_flops_per_s)
                                                  : json(nullptr)},
                       {"pct_of_calibrated", p.achieved_flops_per_s && p.calibrated_flops_per_s
                                                 ? json_number(100.0 * *p.achieved_flops_per_s / *p.calibrated_flops_per_s)
                                                 : json(nullptr)}});
    report["machine"] = {
        {"node_classes", classes},
        {"missing", m_machine.missing.empty() ? json(nullptr) : json(m_machine.missing)},
        {"blas_fallback", m_machine.blas_fallback},
        {"peaks", peaks},
        {"peaks_missing", m_peaks.missing.empty() ? json(nullptr) : json(m_peaks.missing)},
        {"memory_bandwidth",
         {{"theoretical_bytes_per_s", optional_number(m_peaks.memory.theoretical_bytes_per_s)},
          {"formula", m_peaks.memory.formula},
          {"calibrated_bytes_per_s", optional_number(m_peaks.memory.calibrated_bytes_per_s)}}}};
  }

  void add_csv_rows(LongCsv& csv) const override {
    for (std::size_t i = 0; i < m_machine.classes.size(); ++i) {
      const NodeClass& c = m_machine.classes[i];
      const std::string key = fmt::format("class{}", i + 1);
      csv.row("machine", key, "nodes", c.count);
      csv.row("machine", key, "cores", c.inventory.cpu.cores);
      csv.row("machine", key, "hardware_threads", c.inventory.cpu.hardware_threads);
      csv.row("machine", key, "memory_bytes", static_cast<double>(c.inventory.memory_bytes));
      csv.row("machine", key, "nominal_mhz", c.inventory.cpu.frequency.nominal_mhz);
      csv.row("machine", key, "gpus", static_cast<double>(c.inventory.gpus.size()));
      csv.row("machine", key, "blas_fallback", c.inventory.blas.fallback ? 1 : 0);
    }
    for (const PeakFigure& p : m_peaks.flops) {
      csv.row("peaks", p.dtype, "theoretical_flops_per_s", p.theoretical_flops_per_s);
      if (p.achieved_flops_per_s) {
        csv.row("peaks", p.dtype, "achieved_flops_per_s", *p.achieved_flops_per_s);
        csv.row("peaks", p.dtype, "pct_of_theoretical", 100.0 * *p.achieved_flops_per_s / p.theoretical_flops_per_s);
      }
      if (p.calibrated_flops_per_s) csv.row("peaks", p.dtype, "calibrated_flops_per_s", *p.calibrated_flops_per_s);
    }
    if (m_peaks.memory.theoretical_bytes_per_s)
      csv.row("peaks", "memory", "theoretical_bytes_per_s", *m_peaks.memory.theoretical_bytes_per_s);
    if (m_peaks.memory.calibrated_bytes_per_s)
      csv.row("peaks", "memory", "calibrated_bytes_per_s", *m_peaks.memory.calibrated_bytes_per_s);
  }

 private:
  MachineView m_machine;
  PeakFigures m_peaks;
};

}  // namespace

std::unique_ptr<ReportSection> make_machine_section(const ReportContext& context) {
  return std::make_unique<MachineSection>(context);
}

}  // namespace flopwall
