#pragma once
// The events of a few iterations of every rank, for the report's timeline
// and arrival heat map: found by bisecting each rank's rows (which are in
// iteration order in a trace the report could read window by window), then
// read a stored chunk at a time from there, so a chart of three iterations
// of a long run reads three iterations' chunks, not the run.
#include <cstdint>
#include <vector>

#include "trace/trace_data.hpp"
#include "trace/trace_stream.hpp"

namespace flopwall {

// By rank index: the rank's events of iterations [first_iter, end_iter), in
// stored order. `stream`'s rows must be in iteration order per rank (the
// report checked that while reading it: window_reader.hpp).
std::vector<std::vector<TraceEvent>> read_iteration_rows(TraceStream& stream, std::int64_t first_iter,
                                                         std::int64_t end_iter);
// The same from a trace held in memory (any row order).
std::vector<std::vector<TraceEvent>> select_iteration_rows(const TraceData& trace, std::int64_t first_iter,
                                                           std::int64_t end_iter);

}  // namespace flopwall
