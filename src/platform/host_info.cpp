#include "platform/host_info.hpp"

#include "platform/hwloc_topology.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace flopwall {
namespace {

HostInfo load_host_info() {
  HwlocTopology topo(HwlocTopology::Detail::counts);
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

std::uint64_t meminfo_bytes(const std::string& field, const std::string& proc) {
  std::ifstream meminfo(proc + "/meminfo");
  std::string line;
  while (std::getline(meminfo, line)) {
    std::istringstream fields(line);
    std::string key;
    std::uint64_t kib = 0;
    if (fields >> key >> kib && key == field + ":") return kib * 1024;
  }
  return 0;
}

// The topology is read once per process: the device and the run's metadata
// both ask, and each load costs tens of milliseconds of start-up.
HostInfo read_host_info() {
  static const HostInfo info = load_host_info();
  return info;
}

std::uint64_t host_available_memory_bytes() { return meminfo_bytes("MemAvailable"); }

}  // namespace flopwall
