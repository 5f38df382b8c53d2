#pragma once
// What every report section is built from: the trace's header, ops and
// ranks' info, the totals accumulated from its events (report_totals.hpp),
// its path, and what more than one section needs, worked out once per report.
#include <memory>
#include <string>

#include "analysis/report_totals.hpp"
#include "analysis/machine_view.hpp"
#include "analysis/roofline_ceilings.hpp"
#include "analysis/step_times.hpp"
#include "analysis/trace_config.hpp"
#include "trace/trace_data.hpp"

namespace flopwall {

struct ReportContext {
  const TraceData& trace;  // header, ops, ranks' info; outlives the report (its events are not read)
  std::shared_ptr<const ReportTotals> totals;
  std::string path;        // as given on the command line
  int iterations = 0;      // 1 + the largest iteration index (iteration_spans.hpp)
  StepTimes step_times;    // empty for a sweep
  TraceConfig config;
  MachineView machine;  // /meta machine_json
  TraceCalibration calibration;  // /meta calibration_json, parsed once for the roofline, peaks and train sections
};

// From totals accumulated over the trace's events (window by window).
ReportContext run_context(const TraceData& meta, std::shared_ptr<const ReportTotals> totals, std::string path);
// A sweep's iterations are sizes' repetitions, not steps: no step times.
ReportContext sweep_context(const TraceData& meta, std::shared_ptr<const ReportTotals> totals, std::string path);
// From a trace held in memory, events and all.
ReportContext run_context(const TraceData& trace, std::string path);

}  // namespace flopwall
