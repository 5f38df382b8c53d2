#pragma once
// `flopwall report`'s output on one process: the trace read window by
// window (analysis/report_streaming.hpp), or whole where windows cannot hold
// it, and rendered as text, JSON or CSV.
#include <optional>
#include <string>

#include "analysis/report.hpp"
#include "trace/sweep_data.hpp"
#include "trace/trace_stream.hpp"

namespace flopwall {

std::string render_report(const Report& report, const std::string& format);  // text | json | csv

// The whole trace in memory: a collective sweep (its iterations restart per
// size), or events out of iteration order, which windows cannot hold.
// `stream` is opened and checked already: only its rows are read.
std::string report_in_memory(TraceStream& stream, const std::string& format, std::optional<SweepResult> sweep);
// From totals accumulated over `stream`'s events.
std::string report_streamed(const TraceStream& stream, ReportTotals totals, const std::string& format);

// A workload sweep's report: each point of `root` (opened on its own, one
// at a time) reduced to its figures.
std::string report_workload_sweep(const TraceStream& root, const std::string& format);

// The report of `path` in `format`, made by this process alone; with
// `point`, the run report of that point of a workload sweep.
std::string report_alone(const std::string& path, const std::string& format, std::optional<std::size_t> point);

// Whether the launcher started this process as one of several (Open MPI's
// OMPI_COMM_WORLD_SIZE, PMI_SIZE, PMIX_SIZE): `flopwall report` then shares
// the work (report_parallel.hpp).
bool launched_with_peers();

}  // namespace flopwall
