#pragma once
// `flopwall report`'s output on one process: the trace read window by
// window (analysis/report_streaming.hpp), or whole where windows cannot hold
// it, and rendered as text, JSON or CSV.
#include <optional>
#include <string>
#include <vector>

#include "analysis/report.hpp"
#include "trace/sweep_data.hpp"
#include "trace/trace_stream.hpp"

namespace flopwall {

std::string render_report(const Report& report, const std::string& format);  // text | json | csv | html

// The whole trace in memory: a collective sweep (its iterations restart per
// size), or events out of iteration order, which windows cannot hold.
// `stream` is opened and checked already: only its rows are read.
std::string report_in_memory(TraceStream& stream, const std::string& format, std::optional<SweepResult> sweep);
// From totals accumulated over `stream`'s events.
// With charts (json, html), a few iterations' events are read from `stream` again.
std::string report_streamed(TraceStream& stream, ReportTotals totals, const std::string& format);

// A workload sweep's report: each point of `root` (opened on its own, one
// at a time) reduced to its figures.
std::string report_workload_sweep(const TraceStream& root, const std::string& format);

// The report of `path` in `format`, made by this process alone; with
// `point`, the run report of that point of a workload sweep.
std::string report_alone(const std::string& path, const std::string& format, std::optional<std::size_t> point);

// The report of several files, in json or html: each file's report, their
// comparison (`flopwall compare`'s figures, the first file the baseline) and
// its chart arrays. Every file is read and checked before anything is made.
std::string report_of_files(const std::vector<std::string>& paths, const std::string& format);

// The finished report to standard output, or with `out` to that file:
// written under a temporary name beside it and renamed into place, so a
// failure never leaves a partial report under the name asked for.
void emit_report(const std::string& text, const std::optional<std::string>& out);

// Whether the launcher started this process as one of several (Open MPI's
// OMPI_COMM_WORLD_SIZE, PMI_SIZE, PMIX_SIZE): `flopwall report` then shares
// the work (report_parallel.hpp).
bool launched_with_peers();

}  // namespace flopwall
