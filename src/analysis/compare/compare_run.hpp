#pragma once
// One trace file as `flopwall compare` sees it: what the run was (its kind,
// ranks, nodes, backend, configuration, environment) and, per comparable
// figure, one time per iteration. docs/metrics.md, "Comparing runs".
#include <cstdint>
#include <string>
#include <vector>

#include "core/op_kind.hpp"
#include "trace/trace_data.hpp"

namespace flopwall {

// One figure's per-iteration times. Keys:
//   step                                         a run's step time (the slowest rank's span)
//   op/<name>                                    a run's op, summed over layers (the slowest rank's sum)
//   coll/<collective>/<tier>/<bytes>/<in|out>    a collective sweep's size, in place or out of place
// A workload sweep's point prefixes its run keys with "<param>=<value>/".
struct CompareSeries {
  std::string key;
  OpKind kind = OpKind::compute;  // comm for collective sizes and comm ops
  std::vector<double> time_s;     // one per iteration (NaN: no event that iteration)
  double flops = 0;               // per iteration: all ranks' for `step`, one rank's (mean) for an op
  double bus_bytes = 0;           // per iteration, one rank's (mean): busbw = bus_bytes / time
};

struct CompareRun {
  std::string path;
  std::string kind;  // run | collectives | sweep
  TraceHeader header;
  std::vector<std::string> hosts;  // distinct, in rank order
  std::int64_t iterations = 0;     // the most of any series
  std::vector<CompareSeries> series;
};

// Reads and checks the whole file (a damaged one is the reader's one-line
// UsageError). A UsageError as well when a rank has more than
// k_max_compare_cells events: compare holds about two doubles per event.
CompareRun read_compare_run(const std::string& path);
inline constexpr std::uint64_t k_max_compare_cells = std::uint64_t{1} << 26;

}  // namespace flopwall
