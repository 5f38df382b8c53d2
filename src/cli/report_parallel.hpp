#pragma once
// `mpirun -np K flopwall report TRACE.h5`: the trace's iterations split into
// K consecutive ranges, each process reading every rank's events of its
// range (analysis/report_streaming.hpp), the partial totals merged on
// process 0, which alone prints. The output is the one-process report's:
// every total merges exactly (analysis/report_totals.hpp). Where the ranges
// do not meet row for row (events out of iteration order), process 0 reads
// the trace whole instead.
#include <cstddef>
#include <optional>
#include <string>

namespace flopwall {

// Runs the report over MPI_COMM_WORLD; returns the exit code. The first
// process emits it (report_output.hpp, emit_report). A workload
// sweep, or one of its points, is reported by the first process alone.
int report_with_peers(int argc, char** argv, const std::string& path, const std::string& format,
                      std::optional<std::size_t> point, const std::optional<std::string>& out);

}  // namespace flopwall
