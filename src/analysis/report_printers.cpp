#include "analysis/report_printers.hpp"

#include "analysis/report.hpp"

namespace flopwall {
namespace {

Report run_report(const RunReport& r) { return Report::build(*r.trace, r.path, std::nullopt); }

}  // namespace

RunReport analyze_run(const TraceData& trace, const std::string& path) {
  const ReportContext context = run_context(trace, path);
  return {.trace = &trace, .path = path, .iterations = context.iterations, .ranks = analyze_ranks(context),
          .sync = analyze_sync(trace, context.step_times)};
}

std::string render_text(const RunReport& report) { return run_report(report).text(); }
nlohmann::json report_json(const RunReport& report) { return run_report(report).json(); }
std::string render_csv(const RunReport& report) { return run_report(report).csv(); }

}  // namespace flopwall
