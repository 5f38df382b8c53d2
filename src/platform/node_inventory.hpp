#pragma once
// The node's processor, caches, NUMA nodes, PCI devices, network links and
// InfiniBand ports: hwloc for the topology, /proc and sysfs for what hwloc
// does not say (CPU flags, frequencies, link speeds and states). The GPUs,
// their topology, the MPI transports and the BLAS kernel are filled elsewhere.
#include <string>
#include <string_view>
#include <vector>

#include "platform/machine_inventory.hpp"

namespace flopwall {

// Where /proc and /sys are: the defaults on a real node; a fake tree in tests.
// hwloc always reads the real machine: only the /proc and sysfs parsers below
// follow these roots.
struct InventoryRoots {
  std::string proc = "/proc";
  std::string sys = "/sys";
};

// Everything of NodeInventory except gpus, gpu_topology, mpi and blas.
// Throws std::runtime_error where hwloc cannot load the topology; a file of
// /proc or sysfs that cannot be read leaves its fields at "unknown".
NodeInventory read_node_inventory(const InventoryRoots& roots = {});

// The ISA extensions of machine_inventory.hpp's list that `flags_line` (the
// value or the whole line of /proc/cpuinfo's "flags" or "Features") names,
// in that list's order. x86 /proc/cpuinfo spells SSE3 "pni" (Prescott New
// Instructions); it is reported as "sse3", the list's name for it.
std::vector<std::string> relevant_isa(std::string_view flags_line);

// cpu0's cpufreq settings and the base frequency; `model_name` is the CPU
// model, whose "@ 2.10GHz" is the base frequency where sysfs does not tell.
// `cpuinfo_mean_mhz`: the mean "cpu MHz" of the /proc/cpuinfo the caller
// already read (reading it samples every CPU's clock: once per inventory).
CpuFrequency read_cpu_frequency(const InventoryRoots& roots, std::string_view model_name, double cpuinfo_mean_mhz);

// Every entry of <sys>/class/net, sorted by name.
std::vector<NetworkLink> read_network_links(const InventoryRoots& roots);

// Every port of every device in <sys>/class/infiniband, sorted by device and port.
std::vector<InfinibandPort> read_infiniband_ports(const InventoryRoots& roots);

}  // namespace flopwall
