#pragma once
// Renderers of a SweepResult: nccl-tests' table, the JSON of the issue's
// contract, and CSV with the JSON's field names.
#include <nlohmann/json.hpp>
#include <string>

#include "trace/sweep_data.hpp"

namespace flopwall {

std::string render_sweep_text(const SweepResult& r, const std::string& header_line);
nlohmann::json sweep_json(const SweepResult& r);
std::string render_sweep_csv(const SweepResult& r);

}  // namespace flopwall
