#pragma once
// What every report section is built from: the trace, its path, and what
// more than one section needs, worked out once per report.
#include <string>

#include "analysis/step_times.hpp"
#include "analysis/trace_config.hpp"
#include "trace/trace_data.hpp"

namespace flopwall {

struct ReportContext {
  const TraceData& trace;  // outlives the report
  std::string path;        // as given on the command line
  int iterations = 0;      // 1 + the largest iteration index (iteration_spans.hpp)
  StepTimes step_times;    // empty for a sweep
  TraceConfig config;
};

ReportContext run_context(const TraceData& trace, std::string path);
// A sweep's iterations are sizes' repetitions, not steps: no step times.
ReportContext sweep_context(const TraceData& trace, std::string path);

}  // namespace flopwall
