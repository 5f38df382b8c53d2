#include "analysis/long_csv.hpp"

#include <fmt/format.h>

#include <cmath>

namespace flopwall {

std::string csv_field(std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(text);
  std::string quoted = "\"";
  for (const char c : text) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  quoted += '"';
  return quoted;
}

LongCsv::LongCsv(const ReportContext& context) : m_text(k_header) {
  const TraceHeader& h = context.trace.header;
  m_identity = fmt::format("{},{},{},{},", csv_field(context.path), csv_field(h.backend), h.world_size,
                           csv_field(context.config.string_field("model").value_or("")));
}

void LongCsv::row(std::string_view table, std::string_view key, std::string_view metric, double value) {
  m_text += fmt::format("{}{},{},{},{}\n", m_identity, csv_field(table), csv_field(key), csv_field(metric),
                        std::isfinite(value) ? fmt::format("{:.9g}", value) : "");
}

}  // namespace flopwall
