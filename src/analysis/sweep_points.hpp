#pragma once
// A workload sweep's figures (docs/metrics.md, "Workload sweeps"): per point
// the throughput and the latency percentiles its run report gives, then the
// knee and the SLO limit along the swept value.
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "analysis/report_context.hpp"
#include "trace/workload_sweep.hpp"

namespace flopwall {

struct SweepPointFigures {
  std::string value;  // as given on the command line
  double numeric = 0;
  int iterations = 0;
  bool truncated = false;
  double tokens_per_s = 0;     // NaN where it cannot be derived
  double tflops_per_rank = 0;  // model FLOPs per iteration / p50 step / ranks, in TFLOP/s
  double p50_s = 0, p99_s = 0;  // step time (slowest rank); serve: request latency
};

// One point, from its run report's context: tokens/s is tokens per
// iteration (batch · seq · dp) over the p50 step, or serve's output tokens/s.
SweepPointFigures sweep_point_figures(const ReportContext& point, const std::string& value, double numeric);

struct SweepFigures {
  WorkloadSweep sweep;
  bool serve = false;                     // latency is the request latency
  std::size_t planned = 0;                // values asked for; points may be fewer (a stopped sweep)
  std::vector<SweepPointFigures> points;  // ascending by value
  std::optional<std::size_t> knee;        // an index of points
  std::optional<std::size_t> slo_max;     // an index of points; none without an SLO or with none within it
};

// The points (any order) sorted by value, with the knee on the parameter's
// metric and, with an SLO, its limit.
SweepFigures analyze_sweep(WorkloadSweep sweep, std::vector<SweepPointFigures> points, bool serve);

}  // namespace flopwall
