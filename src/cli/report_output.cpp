#include "cli/report_output.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <memory>
#include <optional>

#include "analysis/report.hpp"
#include "analysis/report_accumulator.hpp"
#include "analysis/sections/serve_section.hpp"
#include "analysis/report_streaming.hpp"
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

}  // namespace

std::string render_report(const Report& report, const std::string& format) {
  // On stderr, so every format's stdout stays what a parser expects.
  if (const auto warning = report.warning()) fmt::print(stderr, "flopwall: {}\n", *warning);
  if (format == "json") return dump_json(report.json()) + '\n';
  if (format == "csv") return report.csv();
  return report.text();
}

std::string report_in_memory(TraceStream& stream, const std::string& format, std::optional<SweepResult> sweep) {
  const TraceData trace = read_trace(stream);
  return render_report(Report::build(trace, stream.path(), std::move(sweep)), format);
}

std::string report_streamed(const TraceStream& stream, ReportTotals totals, const std::string& format) {
  auto shared = std::make_shared<const ReportTotals>(std::move(totals));
  return render_report(Report::build(stream.meta(), std::move(shared), stream.path(), std::nullopt), format);
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
      Report::build_workload_sweep(root.meta(), analyze_sweep(sweep, std::move(points), serve), root.path()), format);
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
