#include "platform/hwloc_topology.hpp"

#include <stdexcept>

namespace flopwall {

HwlocTopology::HwlocTopology(Detail detail) {
  if (hwloc_topology_init(&m_topo) != 0) throw std::runtime_error("hwloc could not initialise a topology");
  // Not the x86 component: it reads CPUID on every hardware thread by
  // binding the calling thread to each in turn. Here that thread is a rank's,
  // and it would hop onto the cores of ranks that busy-wait in the survey's
  // collective (under a real-time policy it never gets back: measured, a
  // 2-rank run hung in sched_setaffinity). Linux's sysfs and /proc/cpuinfo,
  // which the linux component reads, give every count, cache and model name.
  hwloc_topology_set_components(m_topo, HWLOC_TOPOLOGY_COMPONENTS_FLAG_BLACKLIST, "x86");
  if (detail == Detail::counts) {
    // The caches would cost a few hundred sysfs reads at every start.
    hwloc_topology_set_cache_types_filter(m_topo, HWLOC_TYPE_FILTER_KEEP_NONE);
    hwloc_topology_set_icache_types_filter(m_topo, HWLOC_TYPE_FILTER_KEEP_NONE);
  } else {
    hwloc_topology_set_cache_types_filter(m_topo, HWLOC_TYPE_FILTER_KEEP_ALL);
    hwloc_topology_set_icache_types_filter(m_topo, HWLOC_TYPE_FILTER_KEEP_ALL);
    // KEEP_IMPORTANT: GPUs, NICs and the bridges above them, not every PCI
    // function of the chipset.
    hwloc_topology_set_io_types_filter(m_topo, HWLOC_TYPE_FILTER_KEEP_IMPORTANT);
    // Only the PCI objects are read. Without OS devices hwloc's opencl and gl
    // plugins (Debian ships both) skip their discovery: on a GPU node the
    // first would initialise the OpenCL driver, and through it the GPU
    // driver, at every start; the second talks to X servers.
    hwloc_topology_set_type_filter(m_topo, HWLOC_OBJ_OS_DEVICE, HWLOC_TYPE_FILTER_KEEP_NONE);
  }
  if (hwloc_topology_load(m_topo) != 0) {
    hwloc_topology_destroy(m_topo);
    throw std::runtime_error("hwloc could not load the node's topology");
  }
}

HwlocTopology::~HwlocTopology() { hwloc_topology_destroy(m_topo); }

int HwlocTopology::count(hwloc_obj_type_t type) const {
  const int n = hwloc_get_nbobjs_by_type(m_topo, type);
  return n < 0 ? 0 : n;
}

}  // namespace flopwall
