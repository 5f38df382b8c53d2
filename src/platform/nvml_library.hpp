#pragma once
// NVML (libnvidia-ml) opened with dlopen at run time, never linked: a CPU
// build and a node without the NVIDIA driver still run, and only the GPU
// description is missing. Move-only RAII: dlopen + nvmlInit_v2 when built,
// nvmlShutdown + dlclose when destroyed. Opening never throws; ok() and
// status() say whether it worked and, if not, why.
//
// The types below copy nvml.h's ABI (CUDA 13's header, NVML_API_VERSION 13)
// so that this file compiles without the CUDA toolkit. Enums are passed as
// int, which is how the C ABI passes them.
#include <string>

namespace flopwall {

namespace nvml {

using Device = struct device_st*;  // nvmlDevice_t: an opaque handle

// nvml.h nvmlReturn_t values that change what the reader does.
inline constexpr int k_success = 0;
inline constexpr int k_error_invalid_argument = 2;
inline constexpr int k_error_not_supported = 3;

// nvmlClockType_t
inline constexpr int k_clock_sm = 1;
inline constexpr int k_clock_mem = 2;

inline constexpr int k_feature_enabled = 1;  // nvmlEnableState_t NVML_FEATURE_ENABLED
inline constexpr unsigned k_nvlink_max_links = 36;  // NVML_NVLINK_MAX_LINKS
inline constexpr unsigned k_name_buffer_size = 96;  // NVML_DEVICE_NAME_V2_BUFFER_SIZE
inline constexpr unsigned k_uuid_buffer_size = 96;  // NVML_DEVICE_UUID_V2_BUFFER_SIZE

// nvmlPciInfo_t, field for field (what nvmlDeviceGetPciInfo_v3 and
// nvmlDeviceGetNvLinkRemotePciInfo_v2 fill).
struct PciInfo {
  char bus_id_legacy[16];  // NVML_DEVICE_PCI_BUS_ID_BUFFER_V2_SIZE: "0000:17:00.0"
  unsigned domain;
  unsigned bus;
  unsigned device;
  unsigned pci_device_id;
  unsigned pci_sub_system_id;
  char bus_id[32];  // NVML_DEVICE_PCI_BUS_ID_BUFFER_SIZE: "00000000:17:00.0"
};
static_assert(sizeof(PciInfo) == 68, "nvmlPciInfo_t is 16 + 5 * 4 + 32 bytes");

// nvmlMemory_t (v1, what the unversioned nvmlDeviceGetMemoryInfo fills).
struct Memory {
  unsigned long long total;
  unsigned long long free;
  unsigned long long used;
};

// The functions the reader uses. Those marked required must resolve for the
// library to open; any other may be null (an older driver lacks it), and the
// field it would fill stays unknown.
struct Functions {
  int (*init)();                                 // nvmlInit_v2, required
  int (*shutdown)();                             // nvmlShutdown, required
  const char* (*error_string)(int);              // nvmlErrorString, required
  int (*device_count)(unsigned*);                // nvmlDeviceGetCount_v2, required
  int (*handle_by_index)(unsigned, Device*);     // nvmlDeviceGetHandleByIndex_v2, required
  int (*name)(Device, char*, unsigned);          // nvmlDeviceGetName
  int (*uuid)(Device, char*, unsigned);          // nvmlDeviceGetUUID
  int (*pci_info)(Device, PciInfo*);             // nvmlDeviceGetPciInfo_v3
  int (*compute_capability)(Device, int*, int*); // nvmlDeviceGetCudaComputeCapability
  int (*clock)(Device, int, unsigned*);          // nvmlDeviceGetClockInfo
  int (*max_clock)(Device, int, unsigned*);      // nvmlDeviceGetMaxClockInfo
  int (*memory)(Device, Memory*);                // nvmlDeviceGetMemoryInfo
  int (*memory_bus_width)(Device, unsigned*);    // nvmlDeviceGetMemoryBusWidth
  int (*ecc_mode)(Device, int*, int*);           // nvmlDeviceGetEccMode (current, pending)
  int (*persistence_mode)(Device, int*);         // nvmlDeviceGetPersistenceMode
  int (*mig_mode)(Device, unsigned*, unsigned*); // nvmlDeviceGetMigMode (current, pending)
  int (*pcie_gen)(Device, unsigned*);            // nvmlDeviceGetCurrPcieLinkGeneration
  int (*pcie_gen_max)(Device, unsigned*);        // nvmlDeviceGetMaxPcieLinkGeneration
  int (*pcie_width)(Device, unsigned*);          // nvmlDeviceGetCurrPcieLinkWidth
  int (*pcie_width_max)(Device, unsigned*);      // nvmlDeviceGetMaxPcieLinkWidth
  // nvmlDeviceGetCurrentClocksEventReasons, or on drivers before it its
  // older name nvmlDeviceGetCurrentClocksThrottleReasons (same signature).
  int (*clock_event_reasons)(Device, unsigned long long*);
  int (*nvlink_state)(Device, unsigned, int*);          // nvmlDeviceGetNvLinkState
  int (*nvlink_remote_pci)(Device, unsigned, PciInfo*); // nvmlDeviceGetNvLinkRemotePciInfo_v2
  int (*common_ancestor)(Device, Device, int*);         // nvmlDeviceGetTopologyCommonAncestor
  int (*numa_node)(Device, unsigned*);                  // nvmlDeviceGetNumaNodeId (newer drivers)
};

}  // namespace nvml

class NvmlLibrary {
 public:
  // `path` is given to dlopen as it is: a bare name is searched for by the
  // dynamic loader (ldconfig, LD_LIBRARY_PATH).
  explicit NvmlLibrary(const std::string& path = "libnvidia-ml.so.1");
  NvmlLibrary(NvmlLibrary&& other) noexcept;
  NvmlLibrary& operator=(NvmlLibrary&& other) noexcept;
  NvmlLibrary(const NvmlLibrary&) = delete;
  NvmlLibrary& operator=(const NvmlLibrary&) = delete;
  ~NvmlLibrary();

  // Loaded, every required function resolved, and nvmlInit_v2 succeeded.
  bool ok() const noexcept { return m_initialized; }
  // "ok", or why not: "NVML not found (<path>: <dlerror>)",
  // "NVML: <error string> (nvmlInit_v2)", "NVML <path> has no <symbol>".
  const std::string& status() const noexcept { return m_status; }
  // Valid only while ok().
  const nvml::Functions& functions() const noexcept { return m_functions; }
  // nvmlErrorString's text for a return code.
  std::string error_string(int rc) const;

 private:
  void close() noexcept;

  void* m_handle = nullptr;
  bool m_initialized = false;
  nvml::Functions m_functions{};
  std::string m_status;
};

}  // namespace flopwall
