#pragma once
// What hwloc tells of the node: the counts of packages, cores and hardware
// threads, the caches, the NUMA nodes and the PCI devices that matter for a
// FLOP/s figure (GPUs and NICs). Part of read_node_inventory.
#include <string>
#include <vector>

#include "platform/machine_inventory.hpp"

namespace flopwall {

struct HwlocInventory {
  int packages = 0;
  int cores = 0;
  int hardware_threads = 0;
  std::string cpu_model;   // the first package's CPUModel info; empty where hwloc has none
  std::string cpu_vendor;  // likewise CPUVendor
  std::vector<CacheLevel> caches;  // L1d, L1i, L2, L3, …
  std::vector<NumaNode> numa;
  std::vector<PciDevice> pci;      // bus order
};

// Loads the topology of the real machine, IO devices included. Throws
// std::runtime_error where hwloc cannot.
HwlocInventory read_hwloc_inventory();

}  // namespace flopwall
