#pragma once
// The report's pictures of single iterations, made from their events: a
// timeline (Gantt) of a few chosen iterations per rank on the common clock,
// and the arrival heat map of the collective instances around the slowest
// step (ranks × instances, each rank's arrival after the instance's first).
// docs/visuals.md shows them; docs/metrics.md, "Pictures", gives the formulas.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "analysis/step_series.hpp"
#include "trace/trace_data.hpp"

namespace flopwall {

struct ChosenIteration {
  std::int64_t iter = 0;
  std::string why;  // "slowest" | "median"
  double step_s = 0;
};

// The iterations the timeline shows: the slowest, and the one nearest the
// median step (when another). `p50_s`: the report's step p50.
std::vector<ChosenIteration> chosen_iterations(const StepSeries& steps, double p50_s);

// The iterations the arrival map covers: up to k_map_iterations around the
// slowest, [first, end).
struct ArrivalMapRange {
  std::int64_t first = 0, end = 0;
};
inline constexpr std::int64_t k_map_iterations = 16;
ArrivalMapRange map_iterations(const StepSeries& steps, std::int64_t iterations);

// Lanes beyond these are left out of the pictures (and said so).
inline constexpr std::size_t k_timeline_ranks = 64;
inline constexpr std::size_t k_map_cells = 65536;

// `rows`: by rank index, the events of (at least) the chosen iterations.
nlohmann::json timeline_json(const TraceData& meta, const std::vector<std::vector<TraceEvent>>& rows,
                             const std::vector<ChosenIteration>& chosen);
// `rows`: by rank index, the events of `range`.
nlohmann::json arrival_map_json(const TraceData& meta, const std::vector<std::vector<TraceEvent>>& rows,
                                ArrivalMapRange range);

}  // namespace flopwall
