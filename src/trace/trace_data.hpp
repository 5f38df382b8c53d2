#pragma once
// A trace file's contents in memory: what the writer takes and the reader
// returns. docs/trace-format.md describes each field as stored.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/key_values.hpp"
#include "core/op_kind.hpp"
#include "trace/trace_event.hpp"

namespace flopwall {

inline constexpr const char* k_trace_schema = "flopwall-trace";
inline constexpr std::int64_t k_trace_schema_version = 1;

struct OpInfo {
  std::string name;
  OpKind kind = OpKind::compute;  // stored as its name: compute | comm | memory | idle
  int layer = -1;
  std::string group;  // none | tp | dp | world
  int step = -1;      // serve mode: the decode step (-1: the prefill; traces without the column: all -1)
  // A comm op's collective: allreduce, allgather, ..., or alltoallv (MoE);
  // "" for the other kinds, and for every op of traces without the column.
  std::string collective;
};

// One clock-offset estimate, taken before timed iteration `iter` (0: at the
// start; then every --resync-every iterations).
struct ClockSample {
  std::int32_t iter;
  std::int32_t pad_;  // keeps the HDF5 row layout explicit
  std::int64_t offset_ns;
  std::int64_t error_ns;
};
static_assert(sizeof(ClockSample) == 24);

struct RankInfo {
  std::string hostname;
  int local_rank = 0;
  std::string device;
  // Where the process ran (platform/rank_placement.hpp): its CPU list and
  // its host's interfaces with link speeds; "" in traces without them.
  std::string cpu_affinity;
  std::string network;
  std::int64_t clock_offset_ns = 0;  // the first estimate
  std::int64_t clock_error_ns = 0;
  // Which instance of each communicator kind this rank belongs to, stored as
  // attributes group_<kind> (e.g. group_tp = 3): ranks with equal ids run a
  // comm op of that group together. The sync analysis needs nothing else.
  std::vector<std::pair<std::string, std::int64_t>> groups;
  std::vector<ClockSample> clock_samples;
  std::vector<RecentOp> recent_ops;  // the hang locator's ring at the end, oldest first
};

struct RankTrace {
  int rank = 0;
  RankInfo info;
  std::vector<TraceEvent> events;
};

struct TraceHeader {
  std::int64_t schema_version = k_trace_schema_version;
  std::string tool_version;
  std::string created_utc;
  std::string command_line;
  std::string config_json;
  int world_size = 0;
  std::string backend;
  bool complete = false;
  bool truncated = false;
  KeyValues meta;         // /meta attributes: versions, git revision, host
  KeyValues environment;  // /meta/env attributes: NCCL_*, CUDA_*, OMPI_*, UCX_*, SLURM_*, OPENBLAS_*, OMP_*
  // A workload sweep's parameter and values (root attribute sweep_json);
  // empty for every other trace.
  std::string sweep_json;
};

struct TraceData {
  TraceHeader header;
  std::vector<OpInfo> ops;
  std::vector<RankTrace> ranks;
};

}  // namespace flopwall
