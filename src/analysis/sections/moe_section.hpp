#pragma once
// The MoE trade-off (docs/metrics.md, "MoE"): total parameters against the
// parameters and FLOPs a token uses, the all-to-all imbalance over the EP
// groups and the assignments dropped over capacity. Made only for a trace
// whose /meta carries moe_json (docs/trace-format.md).
#include <memory>
#include <optional>
#include <string>

#include "analysis/report_context.hpp"
#include "analysis/report_section.hpp"

namespace flopwall {

struct MoeFigures {
  std::string missing;  // why the figures could not be read; empty when they were
  std::int64_t experts = 0, topk = 0, ep = 0, capacity_tokens = 0;
  double params_total = 0, params_active_per_token = 0;
  std::optional<double> active_flops_per_token;  // the events' FLOPs per iteration / (dp · tokens per replica)
  std::optional<double> alltoall_imbalance;      // max/mean dispatch bytes sent per rank, worst EP group
  std::int64_t dropped = 0;                      // assignments dropped per iteration, all replicas and layers
  std::int64_t assignments = 0;                  // dp · tokens · topk · MoE layers
};

bool has_moe(const ReportContext& context);
MoeFigures analyze_moe(const ReportContext& context);
std::unique_ptr<ReportSection> make_moe_section(const ReportContext& context);

}  // namespace flopwall
