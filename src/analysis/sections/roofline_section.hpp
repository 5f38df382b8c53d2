#pragma once
// The roofline: each op name's arithmetic intensity and achieved rates
// against the ceilings of the trace's calibration, its percentage of that
// ceiling and what bounds it (docs/metrics.md, "Roofline"). Listed after the
// op table, it also adds `intensity`, `bound` and `pct_of_ceiling` to each
// entry of the JSON's `ops` array, by name.
#include <memory>
#include <string>
#include <vector>

#include "analysis/report_context.hpp"
#include "analysis/report_section.hpp"
#include "analysis/roofline_ceilings.hpp"

namespace flopwall {

struct RooflineRow {
  std::string name;
  OpKind kind = OpKind::compute;
  std::string tier;  // comm ops: the calibration tier that timed it ("" when not calibrated)
  RooflinePoint point;
  bool async_wait = false;  // the wait of a nonblocking collective: judged with its start, over the time in flight
};

struct RooflineFigures {
  CalibrationRead calibration;
  JobCeiling job;  // from the calibration's devices; NaN figures when it has none
  std::vector<RooflineRow> rows;  // in the op table's order
  std::vector<std::string> untimed_collectives;  // comm ops' collectives the calibration has no fit of
};

RooflineFigures analyze_roofline(const ReportContext& context);
std::unique_ptr<ReportSection> make_roofline_section(const ReportContext& context);

}  // namespace flopwall
