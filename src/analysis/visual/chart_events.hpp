#pragma once
// The events behind the report's timeline and arrival map (charts_section.hpp):
// the iterations timeline_charts.hpp chooses from the totals' step series,
// read from the file (rows in iteration order) or taken from a trace in memory.
#include "analysis/report_totals.hpp"
#include "analysis/visual/charts_section.hpp"
#include "trace/trace_data.hpp"
#include "trace/trace_stream.hpp"

namespace flopwall {

ChartEvents chart_events(TraceStream& stream, const ReportTotals& totals);
ChartEvents chart_events(const TraceData& trace, const ReportTotals& totals);

}  // namespace flopwall
