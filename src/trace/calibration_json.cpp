#include "trace/calibration_json.hpp"

#include <fmt/format.h>

#include <cctype>
#include <cmath>
#include <set>
#include <utility>

#include "core/dtype.hpp"
#include "core/error.hpp"
#include "trace/trace_validation.hpp"

namespace flopwall {
namespace {

using nlohmann::json;

[[noreturn]] void fail(const std::string& what) { throw CalibrationError("calibration: " + what); }

const json& member(const json& object, const char* key, const std::string& where) {
  const auto it = object.find(key);
  if (it == object.end()) fail(fmt::format("{} has no \"{}\"", where, key));
  return *it;
}

std::string text(const json& object, const char* key, const std::string& where) {
  const json& v = member(object, key, where);
  if (!v.is_string()) fail(fmt::format("{}.{} is not a string", where, key));
  return v.get<std::string>();
}

std::int64_t integer(const json& object, const char* key, const std::string& where) {
  const json& v = member(object, key, where);
  if (!v.is_number_integer()) fail(fmt::format("{}.{} is not an integer", where, key));
  return v.get<std::int64_t>();
}

double number(const json& object, const char* key, const std::string& where) {
  const json& v = member(object, key, where);
  if (!v.is_number()) fail(fmt::format("{}.{} is not a number", where, key));
  return v.get<double>();
}

int small_int(const json& object, const char* key, const std::string& where) {
  const std::int64_t v = integer(object, key, where);
  if (v < 0 || v > INT32_MAX) fail(fmt::format("{}.{} = {} is outside 0..{}", where, key, v, INT32_MAX));
  return static_cast<int>(v);
}

const json& array(const json& object, const char* key, const std::string& where) {
  const json& v = member(object, key, where);
  if (!v.is_array()) fail(fmt::format("{}.{} is not an array", where, key));
  return v;
}

// 2026-12-06T16:30:00Z: what utc_timestamp_iso writes.
bool is_utc_timestamp(const std::string& t) {
  static constexpr std::string_view k_shape = "dddd-dd-ddTdd:dd:ddZ";
  if (t.size() != k_shape.size()) return false;
  for (std::size_t i = 0; i < t.size(); ++i) {
    const bool ok = k_shape[i] == 'd' ? std::isdigit(static_cast<unsigned char>(t[i])) != 0 : t[i] == k_shape[i];
    if (!ok) return false;
  }
  return true;
}

bool is_dtype_name(const std::string& name) {
  try {
    return dtype_name(parse_dtype(name)) == name;
  } catch (const UsageError&) {
    return false;
  }
}

void require_positive(double v, const std::string& what) {
  if (!std::isfinite(v) || v <= 0) fail(fmt::format("{} = {} must be a finite number > 0", what, v));
}

void require_non_negative(double v, const std::string& what) {
  if (!std::isfinite(v) || v < 0) fail(fmt::format("{} = {} must be a finite number >= 0", what, v));
}

void validate_device(const CalibrationDevice& d, std::size_t index) {
  const std::string where = fmt::format("devices[{}]", index);
  if (d.rank != static_cast<int>(index))
    fail(fmt::format("{}.rank = {}; devices must be one per rank in rank order ({} expected)", where, d.rank, index));
  if (d.host.empty()) fail(where + ".host is empty");
  if (d.threads < 1) fail(fmt::format("{}.threads = {} must be at least 1", where, d.threads));
  if (d.gemm_flops.empty()) fail(where + ".gemm_flops names no dtype");
  for (const auto& [dtype, flops] : d.gemm_flops) {
    if (!is_dtype_name(dtype))
      fail(fmt::format("{}.gemm_flops has \"{}\", not a dtype; valid: fp32, fp64, tf32, fp16, bf16, fp8", where, dtype));
    require_positive(flops, fmt::format("{}.gemm_flops.{}", where, dtype));
  }
  if (d.gemm_n < 1) fail(fmt::format("{}.gemm_n = {} must be at least 1", where, d.gemm_n));
  require_positive(d.mem_bw_bytes_per_s, where + ".mem_bw_bytes_per_s");
  if (d.triad_bytes < 1) fail(fmt::format("{}.triad_bytes = {} must be at least 1", where, d.triad_bytes));
  require_positive(d.op_overhead_s, where + ".op_overhead_s");
}

void validate_tier(const CalibrationTier& t, std::size_t index, int world_size) {
  const std::string where = fmt::format("tiers[{}]", index);
  if (t.tier != "world" && t.tier != "intra" && t.tier != "inter")
    fail(fmt::format("{}.tier \"{}\" is not valid; valid: world, intra, inter", where, t.tier));
  if (t.ranks < 2 || t.ranks > world_size)
    fail(fmt::format("{}.ranks = {} must be 2..{} (the devices)", where, t.ranks, world_size));
  if (t.collective != "allreduce" && t.collective != "alltoall")
    fail(fmt::format("{}.collective \"{}\" is not valid; valid: allreduce, alltoall", where, t.collective));
  require_non_negative(t.alpha_s, where + ".alpha_s");
  require_non_negative(t.beta_s_per_byte, where + ".beta_s_per_byte");
  require_non_negative(t.busbw_bytes_per_s, where + ".busbw_bytes_per_s");
  if ((t.beta_s_per_byte == 0) != (t.busbw_bytes_per_s == 0))
    fail(fmt::format("{}: busbw_bytes_per_s must be 0 exactly when beta_s_per_byte is 0", where));
}

}  // namespace

void validate_calibration(const Calibration& c) {
  if (c.version != k_calibration_version)
    fail(fmt::format("version {} is not supported; valid: {}", c.version, k_calibration_version));
  if (c.source != "calibrate" && c.source != "run-short" && c.source != "file")
    fail(fmt::format("source \"{}\" is not valid; valid: calibrate, run-short, file", c.source));
  if ((c.source == "file") != !c.file.empty())
    fail(c.source == "file" ? "source \"file\" needs a non-empty \"file\""
                            : fmt::format("\"file\" is given but source is \"{}\", not \"file\"", c.source));
  if (!is_utc_timestamp(c.created_utc))
    fail(fmt::format("created_utc \"{}\" is not a UTC time such as 2026-12-06T16:30:00Z", c.created_utc));
  if (c.backend != "cpu" && c.backend != "cuda")
    fail(fmt::format("backend \"{}\" is not valid; valid: cpu, cuda", c.backend));
  if (c.devices.empty()) fail("devices is empty; it needs one entry per rank");
  for (std::size_t i = 0; i < c.devices.size(); ++i) validate_device(c.devices[i], i);
  std::set<std::pair<std::string, std::string>> seen;  // (tier, collective): one fit each
  for (std::size_t i = 0; i < c.tiers.size(); ++i) {
    validate_tier(c.tiers[i], i, static_cast<int>(c.devices.size()));
    if (!seen.insert({c.tiers[i].tier, c.tiers[i].collective}).second)
      fail(fmt::format("tiers[{}]: tier \"{}\" appears twice for {}", i, c.tiers[i].tier, c.tiers[i].collective));
  }
}

json calibration_to_json(const Calibration& c) {
  validate_calibration(c);
  json devices = json::array();
  for (const CalibrationDevice& d : c.devices) devices.push_back(calibration_device_to_json(d));
  json tiers = json::array();
  for (const CalibrationTier& t : c.tiers)
    tiers.push_back({{"tier", t.tier}, {"ranks", t.ranks}, {"collective", t.collective}, {"alpha_s", t.alpha_s},
                     {"beta_s_per_byte", t.beta_s_per_byte}, {"busbw_bytes_per_s", t.busbw_bytes_per_s}});
  json j = {{"version", c.version}, {"source", c.source}};
  if (c.source == "file") j["file"] = c.file;
  j["created_utc"] = c.created_utc;
  j["backend"] = c.backend;
  j["devices"] = std::move(devices);
  j["tiers"] = std::move(tiers);
  return j;
}

std::string calibration_to_string(const Calibration& c) { return calibration_to_json(c).dump(2); }

json calibration_device_to_json(const CalibrationDevice& d) {
  return {{"rank", d.rank},
          {"host", d.host},
          {"threads", d.threads},
          {"gemm_flops", d.gemm_flops},
          {"gemm_n", d.gemm_n},
          {"mem_bw_bytes_per_s", d.mem_bw_bytes_per_s},
          {"triad_bytes", d.triad_bytes},
          {"op_overhead_s", d.op_overhead_s}};
}

CalibrationDevice calibration_device_from_json(const json& d, const std::string& where) {
  if (!d.is_object()) fail(where + " is not an object");
  CalibrationDevice dev{.rank = small_int(d, "rank", where), .host = text(d, "host", where),
                        .threads = small_int(d, "threads", where)};
  const json& flops = member(d, "gemm_flops", where);
  if (!flops.is_object()) fail(where + ".gemm_flops is not an object");
  for (const auto& [dtype, value] : flops.items()) {
    if (!value.is_number()) fail(fmt::format("{}.gemm_flops.{} is not a number", where, dtype));
    dev.gemm_flops[dtype] = value.get<double>();
  }
  dev.gemm_n = integer(d, "gemm_n", where);
  dev.mem_bw_bytes_per_s = number(d, "mem_bw_bytes_per_s", where);
  dev.triad_bytes = integer(d, "triad_bytes", where);
  dev.op_overhead_s = number(d, "op_overhead_s", where);
  return dev;
}

Calibration calibration_from_json(const json& j) {
  if (!j.is_object()) fail("the document is not a JSON object");
  Calibration c;
  const std::string top = "calibration";
  const std::int64_t version = integer(j, "version", top);
  if (version != k_calibration_version)
    fail(fmt::format("version {} is not supported; valid: {}", version, k_calibration_version));
  c.version = static_cast<int>(version);
  c.source = text(j, "source", top);
  if (j.contains("file")) c.file = text(j, "file", top);
  c.created_utc = text(j, "created_utc", top);
  c.backend = text(j, "backend", top);
  const json& devices = array(j, "devices", top);
  for (std::size_t i = 0; i < devices.size(); ++i) {
    c.devices.push_back(calibration_device_from_json(devices[i], fmt::format("devices[{}]", i)));
  }
  const json& tiers = array(j, "tiers", top);
  for (std::size_t i = 0; i < tiers.size(); ++i) {
    const std::string where = fmt::format("tiers[{}]", i);
    const json& t = tiers[i];
    if (!t.is_object()) fail(where + " is not an object");
    c.tiers.push_back({.tier = text(t, "tier", where), .ranks = small_int(t, "ranks", where),
                       .collective = text(t, "collective", where), .alpha_s = number(t, "alpha_s", where),
                       .beta_s_per_byte = number(t, "beta_s_per_byte", where),
                       .busbw_bytes_per_s = number(t, "busbw_bytes_per_s", where)});
  }
  validate_calibration(c);
  return c;
}

Calibration parse_calibration(std::string_view text_in) {
  // Nesting is bounded before parsing, as for config_json: a parsed value
  // recurses once per level when it is destroyed, and a trace is untrusted.
  if (trace_checks::json_nesting_depth(text_in, trace_checks::k_max_json_depth) > trace_checks::k_max_json_depth)
    fail(fmt::format("it nests deeper than {} levels", trace_checks::k_max_json_depth));
  json j;
  try {
    j = json::parse(text_in);
  } catch (const json::parse_error& e) {
    // nlohmann's message names the byte; keep the first line of it.
    const std::string what = e.what();
    fail("not JSON: " + what.substr(0, what.find('\n')));
  }
  return calibration_from_json(j);
}

}  // namespace flopwall
