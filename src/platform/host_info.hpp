#pragma once
// The host's processor and memory, read through hwloc.
#include <cstdint>
#include <string>

namespace flopwall {

struct HostInfo {
  std::string cpu_model;
  int packages = 0;
  int cores = 0;
  int hardware_threads = 0;
  int numa_nodes = 0;
  std::uint64_t memory_bytes = 0;
};

// Read once per process (hwloc's topology load), then the same answer.
HostInfo read_host_info();
// A field of <proc>/meminfo in bytes ("MemTotal", "MemAvailable"), 0 when
// absent. Preferred over hwloc's NUMA totals, which some virtual machines
// report incompletely.
std::uint64_t meminfo_bytes(const std::string& field, const std::string& proc = "/proc");
// Bytes the kernel reports as available for new allocations (MemAvailable).
std::uint64_t host_available_memory_bytes();

}  // namespace flopwall
