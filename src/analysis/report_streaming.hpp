#pragma once
// `flopwall report` over a trace file without holding its events: windows
// of iterations (window_reader.hpp) into the report's accumulators
// (report_accumulator.hpp). A part of the iterations gives totals that merge
// with the other parts' into the whole trace's (report_totals.hpp): how
// `mpirun -np K flopwall report` splits the work.
#include <cstdint>
#include <vector>

#include "analysis/report_totals.hpp"
#include "analysis/window_reader.hpp"
#include "trace/trace_stream.hpp"

namespace flopwall {

struct StreamedTotals {
  ReportTotals totals;
  std::vector<std::uint64_t> start_rows, stop_rows;  // per rank, as WindowReader's
};

// Iterations [first_iter, end_iter); throws UnorderedTrace when a rank's
// events are not in iteration order.
StreamedTotals stream_report_totals(TraceStream& stream, std::int64_t first_iter,
                                    std::int64_t end_iter = WindowReader::k_to_the_end);

// Where `parts` processes split the iterations: parts + 1 nondecreasing
// bounds, 0 first and WindowReader::k_to_the_end last. They follow the
// chunks of the first rank with events (each process starts after the
// iteration at the start of its share of chunks, so a chunk is decoded by
// one process, but for one per boundary), or its rows where it has fewer
// chunks than parts. Any split gives the same totals; this one balances
// the decoding when ranks are alike.
std::vector<std::int64_t> split_iterations(TraceStream& stream, int parts);

}  // namespace flopwall
