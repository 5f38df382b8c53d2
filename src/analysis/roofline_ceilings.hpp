#pragma once
// Where the roofline's ceilings come from: a trace's /meta calibration_json
// (the document `flopwall calibrate` writes, stored by `flopwall run`), read
// for exactly the figures the roofline needs, and the calibration tier that
// times each communicator group's collectives. A trace without the key gets
// no ceilings and the reason, printed as "not calibrated".
#include <optional>
#include <string>
#include <string_view>

#include "analysis/roofline.hpp"
#include "trace/calibration_json.hpp"
#include "trace/trace_data.hpp"

namespace flopwall {

struct CalibrationRead {
  std::optional<Ceilings> ceilings;  // none: nothing is calibrated, `why_not` says why
  std::string why_not;
  // With ceilings whose `devices` are empty (the dtype not measured, a rank
  // missing): why the compute and memory ops have no ceiling.
  std::string devices_why_not;
};

// A trace's calibration, parsed once per report (ReportContext): the
// document, or why there is none usable.
struct TraceCalibration {
  std::optional<Calibration> calibration;
  std::string why_not;
};
// From calibration_json text (docs/trace-format.md). Never throws: a
// document that is not the calibration's shape gives none and says why.
TraceCalibration parse_trace_calibration(std::string_view text);
// From a trace's /meta (no key: "this trace has no calibration").
TraceCalibration read_trace_calibration(const TraceHeader& header);

// The ceilings of a run of `world_size` ranks in `dtype`.
CalibrationRead ceilings_of(const TraceCalibration& calibration, const std::string& dtype, int world_size);
// parse_trace_calibration, then ceilings_of.
CalibrationRead ceilings_from_calibration_json(std::string_view text, const std::string& dtype, int world_size);
// read_trace_calibration, then ceilings_of.
CalibrationRead trace_ceilings(const TraceData& trace, const std::string& dtype);

// The calibration tier of a group kind (tp, dp, world): "intra" when every
// instance of the group has all its ranks on one host, "inter" when some
// instance spans hosts (by the ranks' hostname attributes), "" for none.
std::string tier_of_group(const TraceData& trace, const std::string& group);
// The fit of `collective` ("" reads as allreduce: traces from before /ops
// named it had no other; alltoallv reads as alltoall) on the tier named
// `wanted`, else on the "world" tier, else null: a collective the
// calibration did not time has no ceiling.
const TierCeiling* find_tier(const Ceilings& ceilings, const std::string& wanted, const std::string& collective = "");

}  // namespace flopwall
