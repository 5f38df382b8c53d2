#pragma once
// A workload sweep's report (`flopwall sweep`): per point throughput and
// latency percentiles, the knee, the SLO limit (analysis/sweep_points.hpp).
// Each point's own run report: `flopwall report FILE --point K`.
#include <memory>

#include "analysis/report_section.hpp"
#include "analysis/sweep_points.hpp"

namespace flopwall {

std::unique_ptr<ReportSection> make_workload_sweep_section(const ReportContext& context, SweepFigures figures);

}  // namespace flopwall
