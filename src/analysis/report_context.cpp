#include "analysis/report_context.hpp"

#include "analysis/iteration_spans.hpp"

namespace flopwall {

ReportContext run_context(const TraceData& trace, std::string path) {
  const int iterations = iteration_count(trace);
  return {.trace = trace, .path = std::move(path), .iterations = iterations,
          .step_times = measure_step_times(trace, iterations), .config = parse_trace_config(trace.header.config_json)};
}

ReportContext sweep_context(const TraceData& trace, std::string path) {
  return {.trace = trace, .path = std::move(path), .iterations = iteration_count(trace), .step_times = {},
          .config = parse_trace_config(trace.header.config_json)};
}

}  // namespace flopwall
