#include "trace/workload_sweep.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "trace/trace_validation.hpp"

namespace flopwall {
namespace {

using json = nlohmann::json;

// The whole of `text` as a finite number.
std::optional<double> whole_number(std::string_view text) {
  double v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

}  // namespace

const SweepParam* find_sweep_param(std::string_view name) {
  for (const SweepParam& p : k_sweep_params)
    if (p.name == name) return &p;
  return nullptr;
}

std::string sweep_param_names() {
  std::string names;
  for (const SweepParam& p : k_sweep_params) names += (names.empty() ? "" : ", ") + std::string(p.name);
  return names;
}

std::vector<double> numeric_values(const WorkloadSweep& sweep) {
  std::vector<double> out;
  for (const std::string& v : sweep.values) out.push_back(whole_number(v).value_or(0));
  return out;
}

std::string sweep_to_json(const WorkloadSweep& sweep) {
  json j = {{"version", 1}, {"param", sweep.param}, {"values", sweep.values}};
  j["slo_p99_ms"] = sweep.slo_p99_s ? json(*sweep.slo_p99_s * 1e3) : json(nullptr);
  return j.dump();
}

WorkloadSweep parse_sweep_json(std::string_view text) {
  if (trace_checks::json_nesting_depth(text, trace_checks::k_max_json_depth) > trace_checks::k_max_json_depth ||
      text.size() > trace_checks::k_max_config_json_bytes)
    throw std::runtime_error("sweep_json is deeper or larger than a sweep's description can be");
  const json j = json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) throw std::runtime_error("sweep_json is not a JSON object");
  WorkloadSweep sweep;
  const auto param = j.find("param");
  if (param == j.end() || !param->is_string() || !find_sweep_param(param->get<std::string>()))
    throw std::runtime_error(fmt::format("sweep_json names no known param; valid: {}", sweep_param_names()));
  sweep.param = param->get<std::string>();
  const auto values = j.find("values");
  if (values == j.end() || !values->is_array() || values->empty() || values->size() > k_max_sweep_points)
    throw std::runtime_error(fmt::format("sweep_json values is not a list of 1 .. {} values", k_max_sweep_points));
  std::vector<double> seen;
  for (const json& v : *values) {
    const auto number = v.is_string() ? whole_number(v.get<std::string>()) : std::nullopt;
    if (!number) throw std::runtime_error("sweep_json has a value that is not a number written as a string");
    for (const double s : seen)
      if (s == *number) throw std::runtime_error(fmt::format("sweep_json lists the value {} twice", *number));
    seen.push_back(*number);
    sweep.values.push_back(v.get<std::string>());
  }
  if (const auto slo = j.find("slo_p99_ms"); slo != j.end() && !slo->is_null()) {
    if (!slo->is_number() || !std::isfinite(slo->get<double>()) || !(slo->get<double>() > 0))
      throw std::runtime_error("sweep_json slo_p99_ms is not a positive number of milliseconds");
    sweep.slo_p99_s = slo->get<double>() / 1e3;
  }
  return sweep;
}

}  // namespace flopwall
