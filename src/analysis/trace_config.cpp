#include "analysis/trace_config.hpp"

#include "trace/trace_validation.hpp"

namespace flopwall {

std::optional<std::string> TraceConfig::string_field(const char* key) const {
  if (!document.is_object()) return std::nullopt;
  const auto it = document.find(key);
  if (it == document.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

std::optional<std::string> TraceConfig::integer_field(const char* key) const {
  if (!document.is_object()) return std::nullopt;
  const auto it = document.find(key);
  if (it == document.end() || !it->is_number_integer()) return std::nullopt;
  return it->dump();
}

std::optional<std::int64_t> TraceConfig::integer(const char* key) const {
  if (!document.is_object()) return std::nullopt;
  const auto it = document.find(key);
  if (it == document.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<std::int64_t>();
}

std::optional<double> TraceConfig::number(const char* key) const {
  if (!document.is_object()) return std::nullopt;
  const auto it = document.find(key);
  if (it == document.end() || !it->is_number()) return std::nullopt;
  return it->get<double>();
}

TraceConfig parse_trace_config(const std::string& config_json) {
  // Nesting is bounded before parsing: printing or destroying a parsed value
  // recurses once per level.
  if (trace_checks::json_nesting_depth(config_json, trace_checks::k_max_json_depth) > trace_checks::k_max_json_depth)
    return {};
  TraceConfig config{.document = nlohmann::json::parse(config_json, nullptr, false)};
  if (config.document.is_discarded()) config.document = nullptr;
  return config;
}

}  // namespace flopwall
