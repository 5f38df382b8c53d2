#pragma once
// A trace file's contents in memory: what the writer takes and the reader
// returns. docs/trace-format.md describes each field as stored.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "trace/trace_event.hpp"

namespace flopwall {

inline constexpr const char* k_trace_schema = "flopwall-trace";
inline constexpr std::int64_t k_trace_schema_version = 1;

struct OpInfo {
  std::string name;
  std::string kind;   // compute | comm | memory
  int layer = -1;
  std::string group;  // none | tp | dp | world
};

struct RankInfo {
  std::string hostname;
  int local_rank = 0;
  std::string device;
  std::int64_t clock_offset_ns = 0;
  std::int64_t clock_error_ns = 0;
};

struct RankTrace {
  int rank = 0;
  RankInfo info;
  std::vector<TraceEvent> events;
};

using KeyValues = std::vector<std::pair<std::string, std::string>>;

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
};

struct TraceData {
  TraceHeader header;
  std::vector<OpInfo> ops;
  std::vector<RankTrace> ranks;
};

}  // namespace flopwall
