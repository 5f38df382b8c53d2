#pragma once
// A loaded hwloc topology of this machine, owned and not copyable, for the
// two readers of the host: host_info.cpp (counts only, at
// every start) and hwloc_inventory.cpp (caches and I/O devices too, once per
// node for the machine description).
#include <hwloc.h>

namespace flopwall {

class HwlocTopology {
 public:
  enum class Detail {
    counts,         // packages, cores, hardware threads, NUMA nodes: no cache or device discovery
    caches_and_io,  // and every cache level, and the PCI devices that matter (GPUs, NICs)
  };
  // Throws std::runtime_error where hwloc cannot load the topology.
  explicit HwlocTopology(Detail detail);
  HwlocTopology(const HwlocTopology&) = delete;
  HwlocTopology& operator=(const HwlocTopology&) = delete;
  ~HwlocTopology();

  hwloc_topology_t get() const noexcept { return m_topo; }
  // How many objects of `type`; 0 where hwloc has none or cannot tell.
  int count(hwloc_obj_type_t type) const;

 private:
  hwloc_topology_t m_topo = nullptr;
};

}  // namespace flopwall
