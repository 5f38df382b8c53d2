#pragma once
// `flopwall export --format chrome`: a trace's events as a timeline in the
// Trace Event Format (chrome_event_writer.hpp), streamed.
//
// - One process per rank, named "rank R (host)", sorted by rank; its pid is
//   rank + 1, because Perfetto takes pid 0 for the kernel's idle process.
//   In it one thread per op kind, and overflow lanes where events overlap
//   without nesting (thread_lanes.hpp).
// - Every event in the selected iterations as a complete event on the
//   common clock; each collective instance linked across its ranks by a flow
//   (collective_flows.hpp); each clock-offset estimate as an instant at the
//   start of the rank's first event of the iteration it took effect in.
// - Times are the trace's ns, exactly, unless an event starts before the
//   run's origin (ranks other than 0 may, by a few µs of clock error):
//   Perfetto drops events before 0, so then every time is shifted by the
//   same ts_offset_ns, the least that brings the earliest start to 0
//   (otherData says it). It is found before writing, from each rank's first
//   block of selected rows, where a run's earliest stamps are.
//
// Ranks are read one after another, a block of rows (a stored chunk) at a
// time, and each block is written out as it is read: memory is a block and
// a 1 MiB output buffer, whatever the trace's size. A rank's rows are in
// iteration order (docs/trace-format.md), so the first row of --iters' A is
// found by bisection and reading stops at B; the order is checked as the
// rows go by, and a rank found out of order is filtered row by row instead,
// whole. A collective sweep's iterations restart at each size, so its ranks
// are always filtered whole.
#include <cstdint>
#include <optional>
#include <string>

#include "analysis/export/export_output.hpp"
#include "analysis/export/iteration_range.hpp"
#include "trace/trace_stream.hpp"

namespace flopwall {

struct ChromeExportOptions {
  IterationRange iterations;
  std::optional<std::size_t> point;  // the workload sweep's point being exported
  std::string exported_by;           // otherData's "exported_by": "flopwall 0.1.0"
};

struct ChromeExportSummary {
  std::uint64_t events = 0;       // complete events written
  std::uint64_t flows = 0;        // flow events written (all steps)
  std::uint64_t clock_syncs = 0;  // instants written
  std::uint64_t crowded = 0;      // events that fitted no lane (ThreadLanes::k_max_lanes)
  std::int64_t ts_offset_ns = 0;  // added to every time written
  std::uint64_t before_origin = 0;  // events still before 0 (an early stamp past the first block)
  std::int64_t first_iter = -1, last_iter = -1;  // of the events written; -1 without any
  std::int64_t trace_last_iter = -1;             // the trace's last iteration (set only when nothing was selected)
};

// The pid of rank `rank`'s process.
int chrome_pid(std::size_t rank);

// Writes the whole document into `out`, flushing it block by block; the
// caller finishes it (the last block) and names the file. Damaged rows end
// it with the reader's UsageError, a failed write with std::runtime_error.
ChromeExportSummary write_chrome_trace(TraceStream& stream, const ChromeExportOptions& options, ExportOutput& out);

}  // namespace flopwall
