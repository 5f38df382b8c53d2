#pragma once
// The distinct host names of a trace's ranks, in rank order: a job's nodes
// as the traces name them (the job section and `flopwall compare` count them).
#include <algorithm>
#include <string>
#include <vector>

#include "trace/trace_data.hpp"

namespace flopwall {

// Appends to `hosts` each rank's host name not yet in it.
inline void add_distinct_hosts(const std::vector<RankTrace>& ranks, std::vector<std::string>& hosts) {
  for (const RankTrace& r : ranks)
    if (std::find(hosts.begin(), hosts.end(), r.info.hostname) == hosts.end()) hosts.push_back(r.info.hostname);
}

}  // namespace flopwall
