#pragma once
// Every figure `flopwall report` prints, computed from a trace alone.
// docs/metrics.md defines each one; printers only render this struct.
#include <cstdint>
#include <string>
#include <vector>

#include "core/statistics.hpp"
#include "analysis/sync_report.hpp"
#include "trace/trace_data.hpp"

namespace flopwall {

struct OpReport {
  std::string name;
  OpKind kind = OpKind::compute;
  std::uint64_t count = 0;  // events over all layers, ranks and iterations
  stats::Summary time_s;    // per event
  double gflops_per_s = 0;  // Σ flops / Σ time
  double mem_gbytes_per_s = 0;   // Σ bytes_mem / Σ time
  double comm_gbytes_per_s = 0;  // Σ bytes_comm / Σ time (bus bandwidth)
  double share = 0;         // Σ time / (world_size · Σ step time)
};

struct RankReport {
  int rank = 0;
  std::string hostname;
  std::string device;
  // Means per iteration.
  double span_s = 0;     // first op start to last op end
  double compute_s = 0;  // ops of kind compute
  double memory_s = 0;   // ops of kind memory
  double comm_s = 0;     // ops of kind comm
  double other_s = 0;    // span − the three above: gaps between ops, injected idle time
  std::int64_t clock_offset_ns = 0;
  std::int64_t clock_error_ns = 0;
};

struct RunReport {
  std::string path;
  TraceHeader header;
  int world_size = 0;
  int iterations = 0;
  double model_flops_per_iter = 0;
  stats::Summary step_time_s;  // per iteration: the slowest rank's span
  double tflops_per_rank = 0;  // model_flops_per_iter / (p50 step · world_size)
  double flops_per_s_total = 0;  // model_flops_per_iter / p50 step
  std::vector<OpReport> ops;     // in first-seen order of the op vocabulary
  std::vector<RankReport> ranks;
  SyncReport sync;
};

RunReport analyze_run(const TraceData& trace, const std::string& path);

}  // namespace flopwall
