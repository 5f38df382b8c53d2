#pragma once
// The op table: every op name's events over all layers, ranks and
// iterations, their durations, rates and share of the step time
// (docs/metrics.md, "Per op").
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "analysis/report_section.hpp"
#include "core/statistics.hpp"

namespace flopwall {

struct OpFigures {
  std::string name;
  OpKind kind = OpKind::compute;
  std::uint64_t count = 0;  // events over all layers, ranks and iterations
  stats::Summary time_s;    // per event
  double gflops_per_s = 0;  // Σ flops / Σ time
  double mem_gbytes_per_s = 0;   // Σ bytes_mem / Σ time
  double comm_gbytes_per_s = 0;  // Σ bytes_comm / Σ time (bus bandwidth)
  double share = 0;         // Σ time / (world_size · Σ step time)
};

// In first-seen order of the op vocabulary; a name without events is left out.
std::vector<OpFigures> analyze_ops(const ReportContext& context);
std::unique_ptr<ReportSection> make_per_op_section(const ReportContext& context);

}  // namespace flopwall
