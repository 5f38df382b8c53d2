#include "platform/hwloc_inventory.hpp"

#include <hwloc.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <stdexcept>
#include <utility>

#include "platform/hwloc_topology.hpp"

namespace flopwall {
namespace {

std::string info_or_empty(hwloc_obj_t obj, const char* name) {
  const char* value = obj ? hwloc_obj_get_info_by_name(obj, name) : nullptr;
  return value ? value : "";
}

std::string cache_kind(hwloc_obj_cache_type_t type) {
  switch (type) {
    case HWLOC_OBJ_CACHE_DATA: return "data";
    case HWLOC_OBJ_CACHE_INSTRUCTION: return "instruction";
    default: return "unified";
  }
}

// One CacheLevel per (level, kind), in the order L1d, L1i, L2, L3, …
std::vector<CacheLevel> read_caches(const HwlocTopology& topo) {
  // (level, kind rank) → level; data sorts before instruction before unified.
  std::map<std::pair<int, int>, CacheLevel> levels;
  const hwloc_obj_type_t cache_types[] = {HWLOC_OBJ_L1CACHE,  HWLOC_OBJ_L2CACHE,  HWLOC_OBJ_L3CACHE,
                                          HWLOC_OBJ_L4CACHE,  HWLOC_OBJ_L5CACHE,  HWLOC_OBJ_L1ICACHE,
                                          HWLOC_OBJ_L2ICACHE, HWLOC_OBJ_L3ICACHE};
  for (const hwloc_obj_type_t type : cache_types) {
    for (hwloc_obj_t obj = hwloc_get_next_obj_by_type(topo.get(), type, nullptr); obj;
         obj = hwloc_get_next_obj_by_type(topo.get(), type, obj)) {
      const auto& attr = obj->attr->cache;
      const int level = static_cast<int>(attr.depth);
      const int rank = attr.type == HWLOC_OBJ_CACHE_DATA ? 0 : attr.type == HWLOC_OBJ_CACHE_INSTRUCTION ? 1 : 2;
      CacheLevel& cache = levels[{level, rank}];
      if (cache.instances == 0) {
        cache.level = level;
        cache.kind = cache_kind(attr.type);
        cache.size_bytes = attr.size;  // one instance: the first one's size
      }
      ++cache.instances;
    }
  }
  std::vector<CacheLevel> caches;
  for (auto& [key, cache] : levels) caches.push_back(std::move(cache));
  return caches;
}

std::string cpu_list(hwloc_const_bitmap_t set) {
  if (!set) return "";
  char* text = nullptr;
  if (hwloc_bitmap_list_asprintf(&text, set) < 0 || !text) return "";
  std::string list(text);
  std::free(text);
  return list;
}

std::vector<NumaNode> read_numa(const HwlocTopology& topo) {
  std::vector<NumaNode> nodes;
  for (hwloc_obj_t obj = hwloc_get_next_obj_by_type(topo.get(), HWLOC_OBJ_NUMANODE, nullptr); obj;
       obj = hwloc_get_next_obj_by_type(topo.get(), HWLOC_OBJ_NUMANODE, obj)) {
    NumaNode node;
    node.os_index = static_cast<int>(obj->os_index);
    node.memory_bytes = obj->attr->numanode.local_memory;
    node.cpus = cpu_list(obj->cpuset);
    nodes.push_back(std::move(node));
  }
  std::sort(nodes.begin(), nodes.end(), [](const auto& a, const auto& b) { return a.os_index < b.os_index; });
  return nodes;
}

// The PCI class that makes a device matter here, or empty: display
// controllers (0x03xx: VGA, 3D) are GPUs; 0x0207 is InfiniBand, the rest of
// 0x02xx network controllers. 0x0c06, InfiniBand under the serial-bus class,
// is what some older host channel adapters report.
std::string pci_kind(unsigned class_id) {
  if ((class_id >> 8) == 0x03) return "gpu";
  if (class_id == 0x0207 || class_id == 0x0c06) return "infiniband";
  if ((class_id >> 8) == 0x02) return "nic";
  return "";
}

std::string hex_id(unsigned id) {
  char text[8];
  std::snprintf(text, sizeof text, "0x%04x", id);
  return text;
}

// The NUMA node local to an IO object: that of its first non-IO ancestor,
// where the ancestor lies in exactly one node (a device attached to the
// whole machine on a multi-node host has no single one: -1).
int device_numa_node(hwloc_topology_t topo, hwloc_obj_t obj) {
  hwloc_obj_t ancestor = hwloc_get_non_io_ancestor_obj(topo, obj);
  if (!ancestor || !ancestor->nodeset || hwloc_bitmap_weight(ancestor->nodeset) != 1) return -1;
  return hwloc_bitmap_first(ancestor->nodeset);
}

std::vector<PciDevice> read_pci(const HwlocTopology& topo) {
  std::vector<PciDevice> devices;
  for (hwloc_obj_t obj = hwloc_get_next_pcidev(topo.get(), nullptr); obj; obj = hwloc_get_next_pcidev(topo.get(), obj)) {
    const auto& attr = obj->attr->pcidev;
    PciDevice device;
    device.kind = pci_kind(attr.class_id);
    if (device.kind.empty()) continue;
    char bus_id[32];
    std::snprintf(bus_id, sizeof bus_id, "%04x:%02x:%02x.%01x", attr.domain, attr.bus, attr.dev, attr.func);
    device.bus_id = bus_id;
    // Names come from hwloc's PCI database where it was built with one.
    device.vendor = info_or_empty(obj, "PCIVendor");
    if (device.vendor.empty()) device.vendor = hex_id(attr.vendor_id);
    device.name = info_or_empty(obj, "PCIDevice");
    if (device.name.empty()) device.name = hex_id(attr.device_id);
    device.numa_node = device_numa_node(topo.get(), obj);
    devices.push_back(std::move(device));
  }
  std::sort(devices.begin(), devices.end(), [](const auto& a, const auto& b) { return a.bus_id < b.bus_id; });
  return devices;
}

}  // namespace

HwlocInventory read_hwloc_inventory() {
  HwlocTopology topo(HwlocTopology::Detail::caches_and_io);
  HwlocInventory inventory;
  inventory.packages = topo.count(HWLOC_OBJ_PACKAGE);
  inventory.cores = topo.count(HWLOC_OBJ_CORE);
  inventory.hardware_threads = topo.count(HWLOC_OBJ_PU);
  hwloc_obj_t package = hwloc_get_obj_by_type(topo.get(), HWLOC_OBJ_PACKAGE, 0);
  inventory.cpu_model = info_or_empty(package, "CPUModel");
  inventory.cpu_vendor = info_or_empty(package, "CPUVendor");
  inventory.caches = read_caches(topo);
  inventory.numa = read_numa(topo);
  inventory.pci = read_pci(topo);
  return inventory;
}

}  // namespace flopwall
