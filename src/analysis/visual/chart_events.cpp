#include "analysis/visual/chart_events.hpp"

#include <algorithm>

#include "analysis/step_times.hpp"
#include "analysis/visual/iteration_rows.hpp"
#include "analysis/visual/timeline_charts.hpp"

namespace flopwall {
namespace {

// Both pictures from one reader of iteration ranges.
template <class ReadRows>
ChartEvents chart_events_from(const TraceData& meta, const ReportTotals& totals, ReadRows read_rows) {
  const StepTimes steps = step_times_from(totals);
  if (steps.empty()) return {};
  const std::vector<ChosenIteration> chosen = chosen_iterations(totals.step_series, steps.p50_s);
  if (chosen.empty()) return {};
  const ArrivalMapRange range = map_iterations(totals.step_series, totals.iterations);
  std::vector<std::vector<TraceEvent>> rows = read_rows(range.first, range.end);
  // The median iteration may lie outside the map's range.
  for (const ChosenIteration& c : chosen) {
    if (c.iter >= range.first && c.iter < range.end) continue;
    std::vector<std::vector<TraceEvent>> more = read_rows(c.iter, c.iter + 1);
    for (std::size_t r = 0; r < rows.size() && r < more.size(); ++r)
      rows[r].insert(rows[r].end(), more[r].begin(), more[r].end());
  }
  return {.timeline = timeline_json(meta, rows, chosen), .arrival_map = arrival_map_json(meta, rows, range)};
}

}  // namespace

ChartEvents chart_events(TraceStream& stream, const ReportTotals& totals) {
  return chart_events_from(stream.meta(), totals, [&](std::int64_t first, std::int64_t end) {
    return read_iteration_rows(stream, first, end);
  });
}

ChartEvents chart_events(const TraceData& trace, const ReportTotals& totals) {
  return chart_events_from(trace, totals, [&](std::int64_t first, std::int64_t end) {
    return select_iteration_rows(trace, first, end);
  });
}

}  // namespace flopwall
