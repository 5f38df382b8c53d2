#include "analysis/report_context.hpp"

#include <algorithm>
#include <limits>

#include "analysis/report_accumulator.hpp"

namespace flopwall {
namespace {

int iterations_of(const ReportTotals& totals) {
  return static_cast<int>(std::clamp<std::int64_t>(totals.iterations, 0, std::numeric_limits<int>::max()));
}

}  // namespace

ReportContext run_context(const TraceData& meta, std::shared_ptr<const ReportTotals> totals, std::string path) {
  const int iterations = iterations_of(*totals);
  StepTimes steps = step_times_from(*totals);
  return {.trace = meta, .totals = std::move(totals), .path = std::move(path), .iterations = iterations,
          .step_times = std::move(steps), .config = parse_trace_config(meta.header.config_json),
          .machine = machine_view(meta.header), .calibration = read_trace_calibration(meta.header)};
}

ReportContext sweep_context(const TraceData& meta, std::shared_ptr<const ReportTotals> totals, std::string path) {
  const int iterations = iterations_of(*totals);
  return {.trace = meta, .totals = std::move(totals), .path = std::move(path), .iterations = iterations,
          .step_times = {}, .config = parse_trace_config(meta.header.config_json),
          .machine = machine_view(meta.header), .calibration = read_trace_calibration(meta.header)};
}

ReportContext run_context(const TraceData& trace, std::string path) {
  return run_context(trace, std::make_shared<const ReportTotals>(accumulate_trace(trace)), std::move(path));
}

}  // namespace flopwall
