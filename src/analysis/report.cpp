#include "analysis/report.hpp"

#include "analysis/report_accumulator.hpp"

#include "analysis/sections/hardware_section.hpp"
#include "analysis/sections/job_section.hpp"
#include "platform/blas_warning.hpp"
#include "analysis/sections/machine_section.hpp"
#include "analysis/sections/moe_section.hpp"
#include "analysis/sections/per_op_section.hpp"
#include "analysis/sections/per_rank_section.hpp"
#include "analysis/sections/roofline_section.hpp"
#include "analysis/sections/run_summary_section.hpp"
#include "analysis/sections/serve_section.hpp"
#include "analysis/sections/train_section.hpp"
#include "analysis/sections/sweep_section.hpp"
#include "analysis/sections/sync_section.hpp"
#include "analysis/sections/workload_sweep_section.hpp"

namespace flopwall {
namespace {

using Sections = std::vector<std::unique_ptr<ReportSection>>;

// The report of a run, top to bottom. A new section: its file pair under
// sections/ and one line here.
Sections run_sections(const ReportContext& context) {
  Sections s;
  s.push_back(make_run_summary_section(context));
  s.push_back(make_job_section(context));
  if (is_serve_trace(context)) s.push_back(make_serve_section(context));
  if (is_train_trace(context)) s.push_back(make_train_section(context));
  s.push_back(make_per_op_section(context));
  s.push_back(make_roofline_section(context));  // after the op table: it adds keys to its JSON entries
  s.push_back(make_per_rank_section(context));
  if (has_moe(context)) s.push_back(make_moe_section(context));
  s.push_back(make_sync_section(context));
  s.push_back(make_hardware_section(context));
  s.push_back(make_machine_section(context));
  return s;
}

// The report of a collective sweep: its table is the report.
Sections sweep_sections(const ReportContext& context, SweepResult sweep) {
  Sections s;
  s.push_back(make_sweep_section(context, std::move(sweep)));
  s.push_back(make_job_section(context));
  s.push_back(make_sync_section(context));
  s.push_back(make_machine_section(context));
  return s;
}

}  // namespace

// The one place a run trace and a sweep trace part ways. Sections copy what
// they keep of the context, so it may move into the report after them.
Report Report::build(const TraceData& trace, std::string path, std::optional<SweepResult> sweep,
                     std::optional<ChartEvents> charts) {
  return build(trace, std::make_shared<const ReportTotals>(accumulate_trace(trace)), std::move(path), std::move(sweep),
               std::move(charts));
}

Report Report::build(const TraceData& trace, std::shared_ptr<const ReportTotals> totals, std::string path,
                     std::optional<SweepResult> sweep, std::optional<ChartEvents> charts) {
  if (sweep) {
    ReportContext context = sweep_context(trace, std::move(totals), std::move(path));
    Sections sections = sweep_sections(context, std::move(*sweep));
    if (charts) sections.push_back(make_charts_section(context, std::move(*charts)));
    return Report(std::move(context), std::move(sections));
  }
  ReportContext context = run_context(trace, std::move(totals), std::move(path));
  Sections sections = run_sections(context);
  if (charts) sections.push_back(make_charts_section(context, std::move(*charts)));
  return Report(std::move(context), std::move(sections));
}

Report Report::build_workload_sweep(const TraceData& root, SweepFigures figures, std::string path, bool charts) {
  // The root holds no events: its context carries the header, config and machine.
  ReportContext context = sweep_context(root, std::make_shared<const ReportTotals>(), std::move(path));
  Sections sections;
  sections.push_back(make_workload_sweep_section(context, std::move(figures)));
  sections.push_back(make_job_section(context));
  sections.push_back(make_machine_section(context));
  if (charts) sections.push_back(make_charts_section(context, {}));
  return Report(std::move(context), std::move(sections));
}

std::string Report::text() const {
  std::string s;
  for (const auto& section : m_sections) s += section->text();
  return s;
}

nlohmann::json Report::json() const {
  nlohmann::json report = nlohmann::json::object();
  for (const auto& section : m_sections) section->add_json(report);
  return report;
}

std::string Report::csv() const {
  for (const auto& section : m_sections)
    if (auto table = section->own_csv_table()) return *std::move(table);
  LongCsv csv(m_context);
  for (const auto& section : m_sections) section->add_csv_rows(csv);
  return csv.text();
}

std::optional<std::string> Report::warning() const {
  if (!m_context.machine.blas_fallback) return std::nullopt;
  return blas_fallback_warning(m_context.machine.classes);
}

}  // namespace flopwall
