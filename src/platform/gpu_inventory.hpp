#pragma once
// The node's GPUs as NVML describes them (machine_inventory.hpp's
// GpuInventory and NodeInventory::gpu_topology), read through NVML loaded at
// run time (nvml_library.hpp): a node without the driver, or a CPU build,
// gets an empty list and the reason, never an exception.
#include <cstdint>
#include <string>
#include <vector>

#include "platform/machine_inventory.hpp"

namespace flopwall {

struct GpuReading {
  std::vector<GpuInventory> gpus;
  // topology[i][j] as NodeInventory::gpu_topology; "" where NVML could not
  // tell how GPU i reaches GPU j.
  std::vector<std::vector<std::string>> topology;
  // "ok", or why the description is missing or partial:
  // "NVML not found (libnvidia-ml.so.1: …)", "NVML: <error string> (<call>)".
  // A GPU NVML counts but cannot open is left out, and the status names it.
  std::string status;
};

// PCI bus ids in GpuInventory::pci_bus_id and NvLink::peer_bus_id are written
// as sysfs and hwloc write them ("0000:17:00.0": lowercase, 4-digit domain
// where the domain fits), so that they match PciDevice::bus_id.
GpuReading read_gpu_inventory(const std::string& nvml_library = "libnvidia-ml.so.1");

// The pieces, for tests.

// NVML's bus id ("00000000:3B:00.0") in sysfs' spelling ("0000:3b:00.0").
std::string sysfs_bus_id(const std::string& nvml_bus_id);
// <pci_devices_dir>/<bus id>/numa_node; -1 where absent or negative.
int pci_numa_node(const std::string& bus_id, const std::string& pci_devices_dir = "/sys/bus/pci/devices");
// The names of the set bits of nvmlDeviceGetCurrentClocksEventReasons'
// mask, lowest bit first ("sw_power_cap"); a bit nvml.h does not name is
// written in hex ("0x800").
std::vector<std::string> clock_event_reason_names(std::uint64_t reasons);
// nvmlGpuTopologyLevel_t in `nvidia-smi topo -m`'s words ("PIX", …, "SYS");
// "" for a value nvml.h does not define.
std::string topology_level_name(int nvml_level);

// The NVLink part of `nvidia-smi topo -m`'s cell for GPUs i and j: "NV<n>"
// for n active links from i that end at j; else, when both have active links
// that end at no GPU of the node (at NVSwitches, as on an HGX board),
// "NV<i's such links>", as nvidia-smi prints NV18 there; else "". Not
// confirmed on an NVSwitch machine: no such machine was at hand.
std::string nvlink_topology_word(const std::vector<GpuInventory>& gpus, std::size_t i, std::size_t j);

}  // namespace flopwall
