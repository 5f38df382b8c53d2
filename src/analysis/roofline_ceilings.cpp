#include "analysis/roofline_ceilings.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <map>

#include "core/key_values.hpp"
#include "trace/calibration_json.hpp"

namespace flopwall {
namespace {

using json = nlohmann::json;

constexpr double k_nan = std::numeric_limits<double>::quiet_NaN();

// The run's ranks 0 … world_size − 1 from the calibration's devices, or why
// they cannot serve (the schema already put them one per rank in order).
std::optional<std::string> read_devices(const Calibration& c, const std::string& dtype, int world_size,
                                        std::vector<DeviceCeiling>& out) {
  if (static_cast<int>(c.devices.size()) != world_size)
    return fmt::format("its devices[] has {} ranks, this run {}", c.devices.size(), world_size);
  for (const CalibrationDevice& d : c.devices) {
    const auto peak = d.gemm_flops.find(dtype);
    if (peak == d.gemm_flops.end()) return fmt::format("it has no {} GEMM FLOP/s for rank {}", dtype, d.rank);
    out.push_back({.rank = d.rank, .host = d.host, .peak_flops_per_s = peak->second,
                   .mem_bw_bytes_per_s = d.mem_bw_bytes_per_s,
                   .op_overhead_s = d.op_overhead_s > 0 ? d.op_overhead_s : k_nan});
  }
  return std::nullopt;
}

std::vector<TierCeiling> read_tiers(const Calibration& c) {
  std::vector<TierCeiling> tiers;
  for (const CalibrationTier& t : c.tiers)
    tiers.push_back({.tier = t.tier, .ranks = t.ranks, .collective = t.collective, .alpha_s = t.alpha_s,
                     .beta_s_per_byte = t.beta_s_per_byte, .busbw_bytes_per_s = t.busbw_bytes_per_s});
  return tiers;
}

std::int64_t group_id(const RankInfo& info, const std::string& kind) {
  for (const auto& [k, id] : info.groups)
    if (k == kind) return id;
  return 0;  // no ids stored: the whole job is one group (report_accumulator.cpp reads them the same way)
}

}  // namespace

TraceCalibration parse_trace_calibration(std::string_view text) {
  try {
    return {.calibration = parse_calibration(text)};
  } catch (const CalibrationError& e) {
    return {.why_not = fmt::format("its calibration_json cannot serve ({})", e.what())};
  }
}

TraceCalibration read_trace_calibration(const TraceHeader& header) {
  const std::string* text = find_value(header.meta, "calibration_json");
  if (!text) return {.why_not = "this trace has no calibration (/meta calibration_json)"};
  return parse_trace_calibration(*text);
}

CalibrationRead ceilings_of(const TraceCalibration& trace_calibration, const std::string& dtype, int world_size) {
  if (!trace_calibration.calibration) return {.why_not = trace_calibration.why_not};
  const Calibration& calibration = *trace_calibration.calibration;
  CalibrationRead read;
  Ceilings ceilings{.source = calibration.source, .dtype = dtype};
  if (dtype.empty())
    read.devices_why_not = "the run's dtype is not in its configuration";
  else if (auto fault = read_devices(calibration, dtype, world_size, ceilings.devices)) {
    ceilings.devices.clear();
    read.devices_why_not = "the calibration cannot serve: " + *fault;
  }
  ceilings.tiers = read_tiers(calibration);
  read.ceilings = std::move(ceilings);
  return read;
}

CalibrationRead ceilings_from_calibration_json(std::string_view text, const std::string& dtype, int world_size) {
  return ceilings_of(parse_trace_calibration(text), dtype, world_size);
}

CalibrationRead trace_ceilings(const TraceData& trace, const std::string& dtype) {
  return ceilings_of(read_trace_calibration(trace.header), dtype, trace.header.world_size);
}

std::string tier_of_group(const TraceData& trace, const std::string& group) {
  if (group.empty() || group == "none") return "";
  std::map<std::int64_t, const std::string*> host_of_instance;
  for (const RankTrace& rank : trace.ranks) {
    const auto [it, first] = host_of_instance.emplace(group_id(rank.info, group), &rank.info.hostname);
    if (!first && *it->second != rank.info.hostname) return "inter";
  }
  return "intra";
}

const TierCeiling* find_tier(const Ceilings& ceilings, const std::string& wanted, const std::string& collective) {
  // The MoE's uneven all-to-all against the even one's fit: the same bytes
  // per rank cost what they cost there; its imbalance shows as a lower share.
  const std::string timed = collective.empty() ? "allreduce" : collective == "alltoallv" ? "alltoall" : collective;
  for (const std::string& tier : {wanted, std::string("world")})
    for (const TierCeiling& t : ceilings.tiers)
      if (t.tier == tier && t.collective == timed) return &t;
  return nullptr;
}

}  // namespace flopwall
