#include "analysis/roofline_ceilings.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>

#include "core/key_values.hpp"
#include "trace/trace_validation.hpp"

namespace flopwall {
namespace {

using json = nlohmann::json;

constexpr double k_nan = std::numeric_limits<double>::quiet_NaN();

std::optional<double> number_at(const json& object, const char* key) {
  const auto it = object.find(key);
  if (it == object.end() || !it->is_number()) return std::nullopt;
  const double v = it->get<double>();
  return std::isfinite(v) ? std::optional<double>(v) : std::nullopt;
}

std::string string_at(const json& object, const char* key, std::string fallback) {
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::move(fallback);
}

// One devices[] entry, or why it cannot serve.
std::optional<std::string> read_device(const json& entry, const std::string& dtype, DeviceCeiling& out) {
  if (!entry.is_object()) return "a devices[] entry is not an object";
  const auto rank = entry.find("rank");
  if (rank == entry.end() || !rank->is_number_integer()) return "a devices[] entry has no integer rank";
  // Narrowed only once known to be a rank a trace can have (its world size is bounded).
  constexpr std::int64_t k_int_limit = std::int64_t{1} << 31;
  const bool in_range = rank->is_number_unsigned()
                            ? rank->get<std::uint64_t>() < static_cast<std::uint64_t>(k_int_limit)
                            : rank->get<std::int64_t>() >= 0 && rank->get<std::int64_t>() < k_int_limit;
  if (!in_range) return fmt::format("its devices[] names rank {}, not a rank", rank->dump());
  out.rank = static_cast<int>(rank->get<std::int64_t>());
  out.host = string_at(entry, "host", "");
  const auto gemm = entry.find("gemm_flops");
  const std::optional<double> peak =
      gemm != entry.end() && gemm->is_object() ? number_at(*gemm, dtype.c_str()) : std::nullopt;
  if (!peak || *peak <= 0) return fmt::format("it has no {} GEMM FLOP/s for rank {}", dtype, out.rank);
  const std::optional<double> bw = number_at(entry, "mem_bw_bytes_per_s");
  if (!bw || *bw <= 0) return fmt::format("it has no memory bandwidth for rank {}", out.rank);
  const std::optional<double> overhead = number_at(entry, "op_overhead_s");
  out.peak_flops_per_s = *peak;
  out.mem_bw_bytes_per_s = *bw;
  out.op_overhead_s = overhead && *overhead >= 0 ? *overhead : k_nan;
  return std::nullopt;
}

// devices[], one per rank 0 … world_size − 1, or why not.
std::optional<std::string> read_devices(const json& doc, const std::string& dtype, int world_size,
                                        std::vector<DeviceCeiling>& out) {
  const auto devices = doc.find("devices");
  if (devices == doc.end() || !devices->is_array()) return "it has no devices[]";
  std::map<int, DeviceCeiling> by_rank;
  for (const json& entry : *devices) {
    DeviceCeiling d;
    if (auto fault = read_device(entry, dtype, d)) return fault;
    if (d.rank < 0 || d.rank >= world_size)
      return fmt::format("its devices[] names rank {}, outside this run's 0 … {}", d.rank, world_size - 1);
    if (!by_rank.emplace(d.rank, d).second) return fmt::format("its devices[] names rank {} twice", d.rank);
  }
  if (static_cast<int>(by_rank.size()) != world_size)
    return fmt::format("its devices[] has {} ranks, this run {}", by_rank.size(), world_size);
  for (auto& [rank, d] : by_rank) out.push_back(std::move(d));
  return std::nullopt;
}

// tiers[]: entries without a usable fit are left out (their groups then
// print "not calibrated").
std::vector<TierCeiling> read_tiers(const json& doc) {
  std::vector<TierCeiling> tiers;
  const auto list = doc.find("tiers");
  if (list == doc.end() || !list->is_array()) return tiers;
  for (const json& entry : *list) {
    if (!entry.is_object()) continue;
    const std::optional<double> alpha = number_at(entry, "alpha_s");
    const std::optional<double> beta = number_at(entry, "beta_s_per_byte");
    if (!alpha || !beta || *beta < 0) continue;
    TierCeiling t{.tier = string_at(entry, "tier", ""), .collective = string_at(entry, "collective", ""),
                  .alpha_s = *alpha, .beta_s_per_byte = *beta};
    if (t.tier.empty()) continue;
    const std::optional<double> ranks = number_at(entry, "ranks");
    t.ranks = ranks && *ranks >= 0 && *ranks <= trace_checks::k_max_world_size ? static_cast<int>(*ranks) : 0;
    const std::optional<double> busbw = number_at(entry, "busbw_bytes_per_s");
    if (busbw && *busbw > 0)
      t.busbw_bytes_per_s = *busbw;
    else if (t.collective == "allreduce" && t.ranks > 1 && t.beta_s_per_byte > 0)
      // nccl-tests' allreduce bus factor 2(n−1)/n over beta (docs/metrics.md).
      t.busbw_bytes_per_s = 2.0 * (t.ranks - 1) / t.ranks / t.beta_s_per_byte;
    tiers.push_back(std::move(t));
  }
  return tiers;
}

std::int64_t group_id(const RankInfo& info, const std::string& kind) {
  for (const auto& [k, id] : info.groups)
    if (k == kind) return id;
  return 0;  // no ids stored: the whole job is one group (report_accumulator.cpp reads them the same way)
}

}  // namespace

CalibrationRead ceilings_from_calibration_json(std::string_view text, const std::string& dtype, int world_size) {
  CalibrationRead read;
  // Nesting is bounded before parsing, as for config_json: a parsed value recurses once per level.
  if (trace_checks::json_nesting_depth(text, trace_checks::k_max_json_depth) > trace_checks::k_max_json_depth) {
    read.why_not = "its calibration_json nests too deep";
    return read;
  }
  const json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    read.why_not = "its calibration_json is not a JSON object";
    return read;
  }
  Ceilings ceilings{.source = string_at(doc, "source", "unknown"), .dtype = dtype};
  if (dtype.empty())
    read.devices_why_not = "the run's dtype is not in its configuration";
  else if (auto fault = read_devices(doc, dtype, world_size, ceilings.devices)) {
    ceilings.devices.clear();
    read.devices_why_not = "the calibration cannot serve: " + *fault;
  }
  ceilings.tiers = read_tiers(doc);
  read.ceilings = std::move(ceilings);
  return read;
}

CalibrationRead trace_ceilings(const TraceData& trace, const std::string& dtype) {
  const std::string* text = find_value(trace.header.meta, "calibration_json");
  if (!text) return {.why_not = "this trace has no calibration (/meta calibration_json)"};
  return ceilings_from_calibration_json(*text, dtype, trace.header.world_size);
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

const TierCeiling* find_tier(const Ceilings& ceilings, const std::string& wanted) {
  for (const TierCeiling& t : ceilings.tiers)
    if (t.tier == wanted) return &t;
  for (const TierCeiling& t : ceilings.tiers)
    if (t.tier == "world") return &t;
  return nullptr;
}

}  // namespace flopwall
