#pragma once
// Which instance of a communicator a rank's comm op ran on: ranks with equal
// ids for the op's group kind (RankInfo::groups, trace-format.md) ran it
// together. The sync analysis, the report's arrival map and the timeline
// export's flows all match collective instances by (op, iteration, id).
#include <cstdint>
#include <string>

#include "trace/trace_data.hpp"

namespace flopwall {

inline std::int64_t group_id(const RankInfo& info, const std::string& kind) {
  for (const auto& [k, id] : info.groups)
    if (k == kind) return id;
  return 0;  // no ids stored: the whole job is one group
}

}  // namespace flopwall
