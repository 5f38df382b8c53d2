#pragma once
// A comparison (comparison.hpp) rendered as text, JSON or CSV, from the same
// structs: every number in one format is in the others.
#include <nlohmann/json.hpp>

#include <string>

#include "analysis/compare/comparison.hpp"

namespace flopwall {

std::string comparison_text(const Comparison& c);
// {"runs": [...], "baseline", "method", "differences", "scaling",
//  "rows": [{"key", "metric", "values", "ratio", "ci", "significant"}, ...],
//  "regressions": [...]}
nlohmann::json comparison_json(const Comparison& c);
// Long format, one row per (row, run):
//   key,metric,file,value,ratio,ci_low,ci_high,significant
std::string comparison_csv(const Comparison& c);
// One line: how the ratios and their intervals are found.
std::string comparison_method(const Comparison& c);

}  // namespace flopwall
