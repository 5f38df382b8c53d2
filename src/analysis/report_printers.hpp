#pragma once
// Renderers of a RunReport; they format, never compute.
#include <nlohmann/json.hpp>
#include <string>

#include "analysis/run_report.hpp"

namespace flopwall {

std::string render_text(const RunReport& report);
nlohmann::json report_json(const RunReport& report);
// Tidy long format: table,key,metric,value (one row per figure).
std::string render_csv(const RunReport& report);
// The "synchronization" section, shared by run and sweep reports.
std::string render_sync_text(const SyncReport& sync);
nlohmann::json sync_json(const SyncReport& sync);

}  // namespace flopwall
