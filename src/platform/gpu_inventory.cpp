#include "platform/gpu_inventory.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <exception>
#include <utility>

#include "platform/nvml_library.hpp"
#include "platform/sysfs_text.hpp"

namespace flopwall {

namespace {

// A C string NVML filled, bounded by its buffer in case it is not terminated.
std::string text_of(const char* buffer, std::size_t size) {
  std::size_t n = 0;
  while (n < size && buffer[n] != '\0') ++n;
  return std::string(buffer, n);
}

// Calls an NVML getter of one unsigned out-value; -1 when the function is
// absent or fails (NOT_SUPPORTED on this GPU, NO_PERMISSION, …).
template <class Fn, class... Args>
int unsigned_value(Fn fn, Args... args) {
  unsigned value = 0;
  if (!fn || fn(args..., &value) != nvml::k_success) return -1;
  return static_cast<int>(value);
}

int enable_state(int (*fn)(nvml::Device, int*), nvml::Device device) {
  int state = 0;
  if (!fn || fn(device, &state) != nvml::k_success) return -1;
  return state == nvml::k_feature_enabled ? 1 : 0;
}

std::vector<NvLink> read_nvlinks(const nvml::Functions& f, nvml::Device device) {
  std::vector<NvLink> links;
  if (!f.nvlink_state) return links;
  for (unsigned link = 0; link < nvml::k_nvlink_max_links; ++link) {
    int state = 0;
    const int rc = f.nvlink_state(device, link, &state);
    // A GPU without NVLink answers NOT_SUPPORTED; one with fewer links than
    // NVML_NVLINK_MAX_LINKS answers INVALID_ARGUMENT past its last.
    if (rc == nvml::k_error_not_supported || rc == nvml::k_error_invalid_argument) break;
    if (rc != nvml::k_success) continue;  // this link cannot be read; the next may
    NvLink entry;
    entry.link = static_cast<int>(link);
    entry.active = state == nvml::k_feature_enabled;
    nvml::PciInfo peer{};
    if (entry.active && f.nvlink_remote_pci && f.nvlink_remote_pci(device, link, &peer) == nvml::k_success)
      entry.peer_bus_id = sysfs_bus_id(text_of(peer.bus_id, sizeof peer.bus_id));
    links.push_back(std::move(entry));
  }
  return links;
}

GpuInventory describe(const nvml::Functions& f, nvml::Device device, int index) {
  GpuInventory gpu;
  gpu.index = index;
  char name[nvml::k_name_buffer_size] = {};
  if (f.name && f.name(device, name, sizeof name) == nvml::k_success) gpu.name = text_of(name, sizeof name);
  char uuid[nvml::k_uuid_buffer_size] = {};
  if (f.uuid && f.uuid(device, uuid, sizeof uuid) == nvml::k_success) gpu.uuid = text_of(uuid, sizeof uuid);
  nvml::PciInfo pci{};
  if (f.pci_info && f.pci_info(device, &pci) == nvml::k_success)
    gpu.pci_bus_id = sysfs_bus_id(text_of(pci.bus_id, sizeof pci.bus_id));
  int major = -1, minor = -1;
  if (f.compute_capability && f.compute_capability(device, &major, &minor) == nvml::k_success) {
    gpu.cc_major = major;
    gpu.cc_minor = minor;
  }
  gpu.sm_clock_mhz = unsigned_value(f.clock, device, nvml::k_clock_sm);
  gpu.sm_clock_max_mhz = unsigned_value(f.max_clock, device, nvml::k_clock_sm);
  gpu.mem_clock_mhz = unsigned_value(f.clock, device, nvml::k_clock_mem);
  gpu.mem_clock_max_mhz = unsigned_value(f.max_clock, device, nvml::k_clock_mem);
  nvml::Memory memory{};
  if (f.memory && f.memory(device, &memory) == nvml::k_success) gpu.memory_bytes = memory.total;
  gpu.memory_bus_width_bits = unsigned_value(f.memory_bus_width, device);
  int ecc_current = 0, ecc_pending = 0;
  if (f.ecc_mode && f.ecc_mode(device, &ecc_current, &ecc_pending) == nvml::k_success)
    gpu.ecc_enabled = ecc_current == nvml::k_feature_enabled ? 1 : 0;
  gpu.persistence_mode = enable_state(f.persistence_mode, device);
  unsigned mig_current = 0, mig_pending = 0;
  if (f.mig_mode && f.mig_mode(device, &mig_current, &mig_pending) == nvml::k_success)
    gpu.mig_mode = mig_current != 0 ? 1 : 0;  // NVML_DEVICE_MIG_ENABLE is 1
  gpu.pcie_gen = unsigned_value(f.pcie_gen, device);
  gpu.pcie_gen_max = unsigned_value(f.pcie_gen_max, device);
  gpu.pcie_width = unsigned_value(f.pcie_width, device);
  gpu.pcie_width_max = unsigned_value(f.pcie_width_max, device);
  gpu.numa_node = unsigned_value(f.numa_node, device);
  // Older drivers lack nvmlDeviceGetNumaNodeId; the kernel knows the same.
  if (gpu.numa_node < 0 && !gpu.pci_bus_id.empty()) gpu.numa_node = pci_numa_node(gpu.pci_bus_id);
  unsigned long long reasons = 0;
  if (f.clock_event_reasons && f.clock_event_reasons(device, &reasons) == nvml::k_success)
    gpu.throttle_reasons = clock_event_reason_names(reasons);
  gpu.nvlinks = read_nvlinks(f, device);
  return gpu;
}

// Active NVLinks of `gpu` that end at no GPU of this node: on an HGX board,
// at the NVSwitches every GPU hangs off.
int links_to_switches(const GpuInventory& gpu, const std::vector<GpuInventory>& gpus) {
  int links = 0;
  for (const NvLink& link : gpu.nvlinks)
    links += link.active && std::none_of(gpus.begin(), gpus.end(), [&](const GpuInventory& other) {
               return !other.pci_bus_id.empty() && other.pci_bus_id == link.peer_bus_id;
             });
  return links;
}

// How GPU i reaches GPU j in `nvidia-smi topo -m`'s words: NVLinks first
// (nvlink_topology_word), then the PCIe path.
std::string topology_cell(const nvml::Functions& f, const std::vector<nvml::Device>& devices,
                          const std::vector<GpuInventory>& gpus, std::size_t i, std::size_t j) {
  if (i == j) return "X";
  if (std::string word = nvlink_topology_word(gpus, i, j); !word.empty()) return word;
  int level = -1;
  if (f.common_ancestor && f.common_ancestor(devices[i], devices[j], &level) == nvml::k_success)
    return topology_level_name(level);
  return {};
}

std::vector<std::vector<std::string>> topology_matrix(const nvml::Functions& f, const std::vector<nvml::Device>& devices,
                                                      const std::vector<GpuInventory>& gpus) {
  std::vector<std::vector<std::string>> matrix;
  for (std::size_t i = 0; i < gpus.size(); ++i) {
    std::vector<std::string> row;
    for (std::size_t j = 0; j < gpus.size(); ++j) row.push_back(topology_cell(f, devices, gpus, i, j));
    matrix.push_back(std::move(row));
  }
  return matrix;
}

GpuReading read_through(const NvmlLibrary& library) {
  GpuReading reading;
  const nvml::Functions& f = library.functions();
  unsigned count = 0;
  const int rc = f.device_count(&count);
  if (rc != nvml::k_success) {
    reading.status = fmt::format("NVML: {} (nvmlDeviceGetCount_v2)", library.error_string(rc));
    return reading;
  }
  reading.status = "ok";
  std::vector<nvml::Device> devices;
  for (unsigned index = 0; index < count; ++index) {
    nvml::Device device = nullptr;
    const int handle_rc = f.handle_by_index(index, &device);
    if (handle_rc != nvml::k_success) {
      // NO_PERMISSION on a GPU this container may not see, GPU_IS_LOST, …
      const std::string why = fmt::format("NVML: GPU {}: {} (nvmlDeviceGetHandleByIndex_v2)", index,
                                          library.error_string(handle_rc));
      reading.status = reading.status == "ok" ? why : reading.status + "; " + why;
      continue;
    }
    devices.push_back(device);
    reading.gpus.push_back(describe(f, device, static_cast<int>(index)));
  }
  reading.topology = topology_matrix(f, devices, reading.gpus);
  return reading;
}

}  // namespace

GpuReading read_gpu_inventory(const std::string& nvml_library) {
  // The GPU description is context for a run, never a reason for it to fail.
  try {
    const NvmlLibrary library(nvml_library);
    if (!library.ok()) return GpuReading{{}, {}, library.status()};
    return read_through(library);
  } catch (const std::exception& e) {
    return GpuReading{{}, {}, fmt::format("NVML: {}", e.what())};
  }
}

std::string sysfs_bus_id(const std::string& nvml_bus_id) {
  std::string id;
  id.reserve(nvml_bus_id.size());
  for (const char c : nvml_bus_id) id += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  // NVML writes an 8-digit domain ("%08X:%02X:%02X.0"); sysfs 4 digits
  // unless the domain needs more.
  const std::size_t colon = id.find(':');
  if (colon == 8 && id.compare(0, 4, "0000") == 0) id.erase(0, 4);
  return id;
}

int pci_numa_node(const std::string& bus_id, const std::string& pci_devices_dir) {
  const auto node = read_sysfs_int(pci_devices_dir + "/" + bus_id + "/numa_node");
  return node && *node >= 0 ? static_cast<int>(*node) : -1;
}

std::vector<std::string> clock_event_reason_names(std::uint64_t reasons) {
  // nvml.h's nvmlClocksEventReason* / nvmlClocksThrottleReason* bits.
  static constexpr std::pair<std::uint64_t, const char*> k_names[] = {
      {0x1, "gpu_idle"},
      {0x2, "applications_clocks_setting"},
      {0x4, "sw_power_cap"},
      {0x8, "hw_slowdown"},
      {0x10, "sync_boost"},
      {0x20, "sw_thermal_slowdown"},
      {0x40, "hw_thermal_slowdown"},
      {0x80, "hw_power_brake_slowdown"},
      {0x100, "display_clock_setting"},
      {0x200, "board_limit"},
      {0x400, "reliability"},
  };
  std::vector<std::string> names;
  for (int bit = 0; bit < 64; ++bit) {
    const std::uint64_t mask = std::uint64_t{1} << bit;
    if (!(reasons & mask)) continue;
    const char* name = nullptr;
    for (const auto& [value, text] : k_names)
      if (value == mask) name = text;
    names.push_back(name ? std::string(name) : fmt::format("{:#x}", mask));
  }
  return names;
}

std::string topology_level_name(int nvml_level) {
  switch (nvml_level) {  // nvmlGpuTopologyLevel_t
    case 0:   // NVML_TOPOLOGY_INTERNAL: two GPUs on one board
    case 10:  // NVML_TOPOLOGY_SINGLE: one PCIe switch
      return "PIX";
    case 20: return "PXB";   // NVML_TOPOLOGY_MULTIPLE: several switches, no host bridge
    case 30: return "PHB";   // NVML_TOPOLOGY_HOSTBRIDGE
    case 40: return "NODE";  // NVML_TOPOLOGY_NODE: one NUMA node, several host bridges
    case 50: return "SYS";   // NVML_TOPOLOGY_SYSTEM: across NUMA nodes
    default: return "";
  }
}

std::string nvlink_topology_word(const std::vector<GpuInventory>& gpus, std::size_t i, std::size_t j) {
  int links = 0;
  if (!gpus[j].pci_bus_id.empty())
    for (const NvLink& link : gpus[i].nvlinks) links += link.active && link.peer_bus_id == gpus[j].pci_bus_id;
  if (links > 0) return fmt::format("NV{}", links);
  if (const int switched = links_to_switches(gpus[i], gpus); switched > 0 && links_to_switches(gpus[j], gpus) > 0)
    return fmt::format("NV{}", switched);
  return {};
}

}  // namespace flopwall
