#include "cli/report_output.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <memory>
#include <optional>

#include "analysis/report.hpp"
#include "analysis/report_accumulator.hpp"
#include "analysis/compare/comparison.hpp"
#include "analysis/compare/comparison_output.hpp"
#include "analysis/report_streaming.hpp"
#include "analysis/sections/serve_section.hpp"
#include "analysis/visual/chart_events.hpp"
#include "analysis/visual/compare_charts.hpp"
#include "analysis/visual/html_page.hpp"
#include "cli/pending_file.hpp"
#include "cli/report_assets.hpp"
#include "core/error.hpp"
#include "trace/sweep_tables.hpp"
#include "trace/trace_reader.hpp"

namespace flopwall {
namespace {

// Strings from a trace (host names, the command line, /meta) need not be
// valid UTF-8; JSON output replaces such bytes instead of failing.
std::string dump_json(const nlohmann::json& j) {
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}

// The formats that show the "charts" key: JSON holds every number the HTML
// page draws.
bool wants_charts(const std::string& format) { return format == "json" || format == "html"; }

}  // namespace

std::string render_report(const Report& report, const std::string& format) {
  // On stderr, so every format's stdout stays what a parser expects.
  if (const auto warning = report.warning()) fmt::print(stderr, "flopwall: {}\n", *warning);
  if (format == "json") return dump_json(report.json()) + '\n';
  if (format == "html") return html_page(report.json(), report_page_assets());
  if (format == "csv") return report.csv();
  return report.text();
}

std::string report_in_memory(TraceStream& stream, const std::string& format, std::optional<SweepResult> sweep) {
  const TraceData trace = read_trace(stream);
  auto totals = std::make_shared<const ReportTotals>(accumulate_trace(trace));
  std::optional<ChartEvents> charts;
  // A collective sweep's iterations are sizes' repetitions: no timeline.
  if (wants_charts(format)) charts = sweep ? ChartEvents{} : chart_events(trace, *totals);
  return render_report(Report::build(trace, std::move(totals), stream.path(), std::move(sweep), std::move(charts)),
                       format);
}

std::string report_streamed(TraceStream& stream, ReportTotals totals, const std::string& format) {
  auto shared = std::make_shared<const ReportTotals>(std::move(totals));
  std::optional<ChartEvents> charts;
  if (wants_charts(format)) charts = chart_events(stream, *shared);
  return render_report(
      Report::build(stream.meta(), std::move(shared), stream.path(), std::nullopt, std::move(charts)), format);
}

std::string report_of_files(const std::vector<std::string>& paths, const std::string& format) {
  std::vector<CompareRun> runs;
  for (const std::string& path : paths) runs.push_back(read_compare_run(path));
  nlohmann::json doc = {{"files", paths}};
  doc["comparison"] = comparison_json(compare_runs(std::move(runs), CompareOptions{}));
  doc["charts"] = {{"compare", compare_charts(doc["comparison"])}};
  nlohmann::json reports = nlohmann::json::array();
  // Each file's report is its `--format json`, whole.
  for (const std::string& path : paths)
    reports.push_back(nlohmann::json::parse(report_alone(path, "json", std::nullopt)));
  doc["reports"] = std::move(reports);
  if (format == "html") return html_page(doc, report_page_assets());
  return dump_json(doc) + '\n';
}

void emit_report(const std::string& text, const std::optional<std::string>& out) {
  if (!out) {
    std::cout << text << std::flush;
    return;
  }
  PendingFile file(*out);
  try {
    errno = 0;
    if (std::fwrite(text.data(), 1, text.size(), file.file()) != text.size())
      throw std::runtime_error(fmt::format("cannot write '{}': {}", *out, std::strerror(errno ? errno : EIO)));
    file.publish();
  } catch (const std::runtime_error& e) {
    throw UsageError(fmt::format("cannot write the report: {}", e.what()));
  }
  fmt::print(stderr, "flopwall: wrote {}\n", *out);
}

bool launched_with_peers() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE"})
    if (const char* v = std::getenv(name); v && std::atoi(v) > 1) return true;
  return false;
}

std::string report_workload_sweep(const TraceStream& root, const std::string& format) {
  const WorkloadSweep& sweep = *root.sweep();
  const std::vector<double> numeric = numeric_values(sweep);
  std::vector<SweepPointFigures> points;
  bool serve = false;
  for (std::size_t k = 0; k < root.sweep_points(); ++k) {
    TraceStream point(root.path(), k);
    std::shared_ptr<const ReportTotals> totals;
    try {
      totals = std::make_shared<const ReportTotals>(stream_report_totals(point, 0).totals);
    } catch (const UnorderedTrace&) {
      totals = std::make_shared<const ReportTotals>(accumulate_trace(read_trace(point)));
    }
    const ReportContext context = run_context(point.meta(), std::move(totals), root.path());
    points.push_back(sweep_point_figures(context, sweep.values[k], numeric[k]));
    serve = serve || is_serve_trace(context);
  }
  return render_report(
      Report::build_workload_sweep(root.meta(), analyze_sweep(sweep, std::move(points), serve), root.path(),
                                   wants_charts(format)),
      format);
}

std::string report_alone(const std::string& path, const std::string& format, std::optional<std::size_t> point) {
  // The stream validates everything but the events, which are checked as
  // they are read (trace_validation.hpp): a damaged file ends with one line,
  // and nothing is printed before the whole report is made.
  TraceStream stream = point ? TraceStream(path, *point) : TraceStream(path);
  if (stream.sweep() && !point) return report_workload_sweep(stream, format);
  // A collective sweep's trace also holds /collectives: the report decides
  // once, by that, which sections it shows.
  std::optional<SweepResult> sweep = point ? std::nullopt : read_sweep_tables(path);
  if (sweep) return report_in_memory(stream, format, std::move(sweep));
  try {
    return report_streamed(stream, stream_report_totals(stream, 0).totals, format);
  } catch (const UnorderedTrace&) {
    return report_in_memory(stream, format, std::nullopt);
  }
}

}  // namespace flopwall
