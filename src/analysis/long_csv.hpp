#pragma once
// The run report's CSV: long format, one row per figure,
//   file,backend,world_size,model,table,key,metric,value
// The first four columns tell one run from another, so that the CSVs of
// several runs concatenate into one table (pandas.concat, `tail -n +2`).
#include <string>
#include <string_view>

#include "analysis/report_context.hpp"

namespace flopwall {

// RFC 4180: a field holding a comma, a quote or a line break is quoted, its
// quotes doubled; any other field is written as it is.
std::string csv_field(std::string_view text);

class LongCsv {
 public:
  static constexpr std::string_view k_header = "file,backend,world_size,model,table,key,metric,value\n";

  explicit LongCsv(const ReportContext& context);
  // One figure; a figure that could not be derived (NaN, ±inf) is an empty cell.
  void row(std::string_view table, std::string_view key, std::string_view metric, double value);
  // The header and every row so far.
  const std::string& text() const noexcept { return m_text; }

 private:
  std::string m_identity;  // the run's leading columns, each followed by its comma
  std::string m_text;
};

}  // namespace flopwall
