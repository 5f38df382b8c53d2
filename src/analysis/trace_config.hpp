#pragma once
// The configuration a trace was made with (its config_json), parsed once per
// report for every section and format that shows part of it.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace flopwall {

struct TraceConfig {
  nlohmann::json document = nullptr;  // null where config_json is not JSON or nests too deep
  // A key's value as text: a string as it is, an integer as JSON writes it;
  // nothing where the key is absent or of another type (the reader refuses
  // such a config; the analysis still never throws on one).
  std::optional<std::string> string_field(const char* key) const;
  std::optional<std::string> integer_field(const char* key) const;
  // A key's integer value; nothing where it is absent or not an integer.
  std::optional<std::int64_t> integer(const char* key) const;
  // A key's numeric value (integer or not); nothing where it is absent or not a number.
  std::optional<double> number(const char* key) const;
};

TraceConfig parse_trace_config(const std::string& config_json);

}  // namespace flopwall
