#pragma once
// The report's "charts" key: every series the HTML report draws, as plain
// arrays of points, so that each number drawn is one of `--format json`
// (docs/visuals.md). It is listed last and built from the keys the other
// sections wrote before it, from the step series and percentile sketch of
// the totals, and from the events of a few iterations (timeline_charts.hpp).
// Text and CSV show nothing of it.
#include <nlohmann/json.hpp>

#include <memory>

#include "analysis/report_context.hpp"
#include "analysis/report_section.hpp"

namespace flopwall {

// What the charts need from events the totals do not keep; null where the
// report has none (sweeps, traces without steps).
struct ChartEvents {
  nlohmann::json timeline;     // timeline_charts.hpp, timeline_json
  nlohmann::json arrival_map;  // arrival_map_json
};

std::unique_ptr<ReportSection> make_charts_section(const ReportContext& context, ChartEvents events);

}  // namespace flopwall
