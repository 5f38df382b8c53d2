#pragma once
// Writes one trace file for the whole job with parallel HDF5: metadata is
// created collectively, then each rank writes its own /ranks/NNNNN/events.
// The file is written under a temporary name of this job's own and takes the
// name PATH only once complete (trace/output_file.hpp).
#include <mpi.h>

#include <hdf5.h>

#include <functional>
#include <span>
#include <string>
#include <vector>

#include "trace/trace_data.hpp"

namespace flopwall {

// Writes further datasets of a kind of run (e.g. a sweep's /collectives):
// called on every rank while the file is open; only `writer` writes rows.
using ExtraTables = std::function<void(hid_t file, bool writer)>;

struct TraceDestination {
  std::string path;
  bool overwrite = false;  // replace an existing regular file at `path`
};

// One rank of the file, as a process writes it: its info, how many events
// it has, and the events themselves, asked for once, when its turn to be
// written comes (so one process can write many ranks without holding all
// their events at once).
struct RankSource {
  int rank = 0;
  RankInfo info;
  std::uint64_t event_count = 0;
  std::function<std::span<const TraceEvent>()> events;  // exactly event_count events
};

// Collective over `comm`: every process writes the ranks it holds, any
// number of them; together they must be 0 .. N−1, each once, and the file
// has N ranks (a generator may write 1,024 ranks from one process). The
// header and ops are taken from the first process; its world_size is N.
// Failures as write_trace's.
void write_trace_ranks(MPI_Comm comm, const TraceDestination& destination, const TraceHeader& header,
                       const std::vector<OpInfo>& ops, const std::vector<RankSource>& mine,
                       const ExtraTables& extra = {});

// One point of a workload sweep (`flopwall sweep`), as this process holds
// it: a run's ops and ranks, stored under /points/NNNNN with the point's
// attributes (docs/trace-format.md, "Workload sweep traces").
struct SweepPointSource {
  std::string value;        // the swept flag's value, as given
  std::string config_json;  // the point's resolved run configuration
  std::string moe_json;     // MoE runs: the routing summary (taken from the first process)
  bool truncated = false;   // a graceful stop ended the point early
  std::vector<OpInfo> ops;
  std::vector<RankSource> mine;
};

// Collective over `comm`: a workload sweep's trace, the points in run order.
// `header.sweep_json` names the parameter and its values. Failures as write_trace's.
void write_sweep_trace(MPI_Comm comm, const TraceDestination& destination, const TraceHeader& header,
                       const std::vector<SweepPointSource>& points);

// Collective over `comm`: each process writes itself, as rank comm_rank. The header and ops are taken from rank 0. A
// failure every rank knows of (no temporary name, PATH taken meanwhile)
// throws JobFailure on every rank; a failed write throws std::runtime_error
// "cannot write PATH: reason" on the rank that saw it, whose peers may be
// blocked in HDF5: the caller ends the job. No file is left either way.
void write_trace(MPI_Comm comm, const TraceDestination& destination, const TraceHeader& header,
                 const std::vector<OpInfo>& ops, const RankInfo& mine, std::span<const TraceEvent> events,
                 const ExtraTables& extra = {});

}  // namespace flopwall
