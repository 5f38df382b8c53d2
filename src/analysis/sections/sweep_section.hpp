#pragma once
// A collective sweep's figures (trace/sweep_data.hpp, read from the trace's
// /collectives table): nccl-tests' table, the JSON of the sweep's contract,
// and CSV with the JSON's field names. `flopwall collectives` prints the same
// renderings live (analysis/sweep_printers.hpp).
#include <memory>
#include <string>

#include "analysis/report_section.hpp"
#include "trace/sweep_data.hpp"

namespace flopwall {

std::string render_sweep_text(const SweepResult& r, const std::string& header_line);
nlohmann::json sweep_json(const SweepResult& r);
// A wide table, one row per available result; not the run report's long table.
std::string render_sweep_csv(const SweepResult& r);

std::unique_ptr<ReportSection> make_sweep_section(const ReportContext& context, SweepResult sweep);

}  // namespace flopwall
