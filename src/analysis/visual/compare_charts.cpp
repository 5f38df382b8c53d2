#include "analysis/visual/compare_charts.hpp"

#include <string>

namespace flopwall {

nlohmann::json compare_charts(const nlohmann::json& comparison) {
  nlohmann::json out = nlohmann::json::array();
  const auto& runs = comparison.at("runs");
  const std::size_t baseline = comparison.at("baseline").get<std::size_t>();
  for (std::size_t k = 0; k < runs.size(); ++k) {
    if (k == baseline) continue;
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& row : comparison.at("rows")) {
      if (!row.value("gated", false)) continue;
      const auto& ratio = row.at("ratio")[k];
      const auto& ci = row.at("ci")[k];
      if (!ratio.is_number() || !ci.is_array() || !ci[0].is_number() || !ci[1].is_number()) continue;  // not in this run
      rows.push_back({{"key", row.at("key").get<std::string>() + " " + row.at("metric").get<std::string>()},
                      {"ratio", ratio},
                      {"ci", ci},
                      {"significant", row.at("significant")[k]}});
    }
    out.push_back({{"file", runs[k].at("file")},
                   {"baseline_file", runs[baseline].at("file")},
                   {"noise", comparison.at("method").at("noise")},
                   {"rows", std::move(rows)}});
  }
  return out;
}

}  // namespace flopwall
