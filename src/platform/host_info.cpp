#include "platform/host_info.hpp"

#include <hwloc.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace flopwall {
namespace {

// Owns an hwloc topology for the duration of one query.
class Topology {
 public:
  Topology() {
    if (hwloc_topology_init(&m_topo) != 0) throw std::runtime_error("hwloc could not load the host topology");
    // Packages, cores, threads and NUMA nodes are all that is asked: the
    // caches would cost a few hundred sysfs reads at every start.
    hwloc_topology_set_cache_types_filter(m_topo, HWLOC_TYPE_FILTER_KEEP_NONE);
    hwloc_topology_set_icache_types_filter(m_topo, HWLOC_TYPE_FILTER_KEEP_NONE);
    if (hwloc_topology_load(m_topo) != 0) {
      hwloc_topology_destroy(m_topo);
      throw std::runtime_error("hwloc could not load the host topology");
    }
  }
  Topology(const Topology&) = delete;
  Topology& operator=(const Topology&) = delete;
  ~Topology() { hwloc_topology_destroy(m_topo); }
  hwloc_topology_t get() const noexcept { return m_topo; }
  int count(hwloc_obj_type_t type) const {
    const int n = hwloc_get_nbobjs_by_type(m_topo, type);
    return n < 0 ? 0 : n;
  }

 private:
  hwloc_topology_t m_topo = nullptr;
};

// A field of /proc/meminfo in bytes, 0 when absent. Preferred over hwloc's
// NUMA totals, which some virtual machines report incompletely.
std::uint64_t meminfo_bytes(const std::string& field) {
  std::ifstream meminfo("/proc/meminfo");
  std::string line;
  while (std::getline(meminfo, line)) {
    std::istringstream fields(line);
    std::string key;
    std::uint64_t kib = 0;
    if (fields >> key >> kib && key == field + ":") return kib * 1024;
  }
  return 0;
}

HostInfo load_host_info() {
  Topology topo;
  HostInfo info;
  info.packages = topo.count(HWLOC_OBJ_PACKAGE);
  info.cores = topo.count(HWLOC_OBJ_CORE);
  info.hardware_threads = topo.count(HWLOC_OBJ_PU);
  info.numa_nodes = topo.count(HWLOC_OBJ_NUMANODE);
  hwloc_obj_t package = hwloc_get_obj_by_type(topo.get(), HWLOC_OBJ_PACKAGE, 0);
  const char* model = package ? hwloc_obj_get_info_by_name(package, "CPUModel") : nullptr;
  info.cpu_model = model ? model : "unknown CPU";
  info.memory_bytes = meminfo_bytes("MemTotal");
  if (info.memory_bytes == 0) {
    hwloc_obj_t root = hwloc_get_root_obj(topo.get());
    info.memory_bytes = root ? root->total_memory : 0;
  }
  return info;
}

}  // namespace

// The topology is read once per process: the device and the run's metadata
// both ask, and each load costs tens of milliseconds of start-up.
HostInfo read_host_info() {
  static const HostInfo info = load_host_info();
  return info;
}

std::uint64_t host_available_memory_bytes() { return meminfo_bytes("MemAvailable"); }

}  // namespace flopwall
