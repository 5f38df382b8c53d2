#pragma once
// One section of `flopwall report` (run summary, per op, per rank,
// synchronization, sweep, hardware). A section computes its figures from the
// ReportContext when it is made, keeps them, and renders them in each format;
// it lives in one file pair under sections/ and is listed once in report.cpp.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstddef>
#include <optional>
#include <string>

#include "analysis/long_csv.hpp"

namespace flopwall {

class ReportSection {
 public:
  virtual ~ReportSection() = default;

  // Its lines of the text report, each ending in '\n'.
  virtual std::string text() const = 0;
  // Its keys of the report's one JSON object; no two sections share a key.
  virtual void add_json(nlohmann::json& report) const = 0;
  // Its rows of the long CSV table (long_csv.hpp).
  virtual void add_csv_rows(LongCsv& csv) const = 0;
  // A section whose figures are a wide table of their own (the sweep's
  // nccl-tests columns, as `flopwall collectives --format csv` prints them
  // live) returns it; that table is then the whole CSV, since its columns
  // cannot share the long table.
  virtual std::optional<std::string> own_csv_table() const { return std::nullopt; }
};

// The width of a text table's op-name column: its longest name (decode
// steps' ops are longer than the prefill's), at least 16, at most 40 (names
// come from the trace, which another program may have written).
template <class Rows>
std::size_t op_name_width(const Rows& rows) {
  std::size_t width = 16;
  for (const auto& row : rows) width = std::max(width, row.name.size());
  return std::min<std::size_t>(width, 40);
}

}  // namespace flopwall
