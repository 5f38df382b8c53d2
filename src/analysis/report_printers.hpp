#pragma once
// The run report of a TraceData held in memory, as one value: kept for
// tests/unit/test_trace_reader.cpp, which hands the analysis data the reader
// would refuse. New code builds a Report (report.hpp) instead; this header
// goes once that test does.
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "analysis/sections/per_rank_section.hpp"
#include "analysis/sections/sync_section.hpp"

namespace flopwall {

struct RunReport {
  const TraceData* trace = nullptr;  // outlives the RunReport
  std::string path;
  int iterations = 0;
  std::vector<RankFigures> ranks;
  SyncReport sync;
};

RunReport analyze_run(const TraceData& trace, const std::string& path);
// The report's renderings, as `flopwall report` prints a run trace.
std::string render_text(const RunReport& report);
nlohmann::json report_json(const RunReport& report);
std::string render_csv(const RunReport& report);

}  // namespace flopwall
