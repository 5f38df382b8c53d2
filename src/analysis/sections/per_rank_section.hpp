#pragma once
// The per rank table: each rank's mean iteration split by op kind, and its
// clock alignment (docs/metrics.md, "Per rank").
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "analysis/report_section.hpp"

namespace flopwall {

struct RankFigures {
  int rank = 0;
  std::string hostname;
  std::string device;
  // Means per iteration, over the iterations this rank recorded.
  double span_s = 0;     // first op start to last op end
  double compute_s = 0;  // ops of kind compute
  double memory_s = 0;   // ops of kind memory
  double comm_s = 0;     // ops of kind comm
  double other_s = 0;    // span − the three above: gaps between ops, injected idle time
  std::int64_t clock_offset_ns = 0;
  std::int64_t clock_error_ns = 0;
};

// In the order of the trace's ranks.
std::vector<RankFigures> analyze_ranks(const ReportContext& context);
std::unique_ptr<ReportSection> make_per_rank_section(const ReportContext& context);

}  // namespace flopwall
