#pragma once
// `flopwall report`: a trace's sections, in order, rendered as text, JSON or
// CSV. Which sections a trace gets is decided once, by its kind (run,
// collective sweep or workload sweep); report.cpp lists them.
#include <nlohmann/json.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "analysis/report_context.hpp"
#include "analysis/report_section.hpp"
#include "analysis/sweep_points.hpp"
#include "analysis/visual/charts_section.hpp"
#include "trace/sweep_data.hpp"

namespace flopwall {

class Report {
 public:
  // `sweep`: the trace's /collectives tables (trace/sweep_tables.hpp); a trace
  // with them is a collective sweep, one without a run. `trace` must outlive
  // the report.
  // `charts`: the report gets the "charts" key (charts_section.hpp) the
  // HTML page draws; `--format json` and `html` ask for it.
  static Report build(const TraceData& trace, std::string path, std::optional<SweepResult> sweep,
                      std::optional<ChartEvents> charts = std::nullopt);
  // The same from totals accumulated over the trace's events (window by
  // window, report_accumulator.hpp); `meta` (header, ops, ranks' info) must
  // outlive the report.
  static Report build(const TraceData& meta, std::shared_ptr<const ReportTotals> totals, std::string path,
                      std::optional<SweepResult> sweep, std::optional<ChartEvents> charts = std::nullopt);

  // A workload sweep (`flopwall sweep`): its points' figures; `root` is
  // the file's header, without ops or ranks, and must outlive the report.
  static Report build_workload_sweep(const TraceData& root, SweepFigures figures, std::string path,
                                     bool charts = false);

  std::string text() const;     // every section's lines, in order
  nlohmann::json json() const;  // one object holding every section's keys
  std::string csv() const;      // the long table of every section's rows, or a section's own table
  // The line a reader must see beside any format: a cpu run's fallback BLAS kernel.
  std::optional<std::string> warning() const;

 private:
  Report(ReportContext context, std::vector<std::unique_ptr<ReportSection>> sections)
      : m_context(std::move(context)), m_sections(std::move(sections)) {}

  ReportContext m_context;  // the CSV's identifying columns come from it
  std::vector<std::unique_ptr<ReportSection>> m_sections;
};

}  // namespace flopwall
