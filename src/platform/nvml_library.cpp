#include "platform/nvml_library.hpp"

#include <dlfcn.h>
#include <fmt/format.h>

#include <utility>

namespace flopwall {

namespace {

// dlsym's void* as the typed pointer `slot` holds; null when absent.
template <class Fn>
void resolve(void* handle, const char* symbol, Fn& slot) {
  slot = reinterpret_cast<Fn>(dlsym(handle, symbol));
}

}  // namespace

NvmlLibrary::NvmlLibrary(const std::string& path) {
  // RTLD_LOCAL: NVML's symbols stay out of the global scope, where they could
  // shadow another copy a CUDA library loads. RTLD_NOW: a broken library is
  // found here rather than at the first call.
  m_handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!m_handle) {
    const char* error = dlerror();
    const std::string reason = error ? error : "dlopen failed";
    // dlerror names the path for most failures, not all; the status always does.
    m_status = reason.find(path) != std::string::npos ? fmt::format("NVML not found ({})", reason)
                                                      : fmt::format("NVML not found ({}: {})", path, reason);
    return;
  }
  nvml::Functions& f = m_functions;
  struct Required {
    const char* symbol;
    bool present;
  };
  resolve(m_handle, "nvmlInit_v2", f.init);
  resolve(m_handle, "nvmlShutdown", f.shutdown);
  resolve(m_handle, "nvmlErrorString", f.error_string);
  resolve(m_handle, "nvmlDeviceGetCount_v2", f.device_count);
  resolve(m_handle, "nvmlDeviceGetHandleByIndex_v2", f.handle_by_index);
  const Required required[] = {{"nvmlInit_v2", f.init != nullptr},
                               {"nvmlShutdown", f.shutdown != nullptr},
                               {"nvmlErrorString", f.error_string != nullptr},
                               {"nvmlDeviceGetCount_v2", f.device_count != nullptr},
                               {"nvmlDeviceGetHandleByIndex_v2", f.handle_by_index != nullptr}};
  for (const Required& r : required) {
    if (r.present) continue;
    m_status = fmt::format("NVML {} has no {}", path, r.symbol);
    close();
    return;
  }
  resolve(m_handle, "nvmlDeviceGetName", f.name);
  resolve(m_handle, "nvmlDeviceGetUUID", f.uuid);
  // nvml.h maps nvmlDeviceGetPciInfo to _v3 (the 32-byte busId).
  resolve(m_handle, "nvmlDeviceGetPciInfo_v3", f.pci_info);
  resolve(m_handle, "nvmlDeviceGetCudaComputeCapability", f.compute_capability);
  resolve(m_handle, "nvmlDeviceGetClockInfo", f.clock);
  resolve(m_handle, "nvmlDeviceGetMaxClockInfo", f.max_clock);
  resolve(m_handle, "nvmlDeviceGetMemoryInfo", f.memory);
  resolve(m_handle, "nvmlDeviceGetMemoryBusWidth", f.memory_bus_width);
  resolve(m_handle, "nvmlDeviceGetEccMode", f.ecc_mode);
  resolve(m_handle, "nvmlDeviceGetPersistenceMode", f.persistence_mode);
  resolve(m_handle, "nvmlDeviceGetMigMode", f.mig_mode);
  resolve(m_handle, "nvmlDeviceGetCurrPcieLinkGeneration", f.pcie_gen);
  resolve(m_handle, "nvmlDeviceGetMaxPcieLinkGeneration", f.pcie_gen_max);
  resolve(m_handle, "nvmlDeviceGetCurrPcieLinkWidth", f.pcie_width);
  resolve(m_handle, "nvmlDeviceGetMaxPcieLinkWidth", f.pcie_width_max);
  // Renamed in CUDA 12.2's NVML; the old name is deprecated in 13 but is all
  // an older driver has.
  resolve(m_handle, "nvmlDeviceGetCurrentClocksEventReasons", f.clock_event_reasons);
  if (!f.clock_event_reasons)
    resolve(m_handle, "nvmlDeviceGetCurrentClocksThrottleReasons", f.clock_event_reasons);
  resolve(m_handle, "nvmlDeviceGetNvLinkState", f.nvlink_state);
  resolve(m_handle, "nvmlDeviceGetNvLinkRemotePciInfo_v2", f.nvlink_remote_pci);
  resolve(m_handle, "nvmlDeviceGetTopologyCommonAncestor", f.common_ancestor);
  resolve(m_handle, "nvmlDeviceGetNumaNodeId", f.numa_node);

  const int rc = f.init();
  if (rc != nvml::k_success) {
    m_status = fmt::format("NVML: {} (nvmlInit_v2)", error_string(rc));
    close();
    return;
  }
  m_initialized = true;
  m_status = "ok";
}

NvmlLibrary::NvmlLibrary(NvmlLibrary&& other) noexcept
    : m_handle(std::exchange(other.m_handle, nullptr)),
      m_initialized(std::exchange(other.m_initialized, false)),
      m_functions(std::exchange(other.m_functions, {})),
      m_status(std::move(other.m_status)) {}

NvmlLibrary& NvmlLibrary::operator=(NvmlLibrary&& other) noexcept {
  if (this == &other) return *this;
  close();
  m_handle = std::exchange(other.m_handle, nullptr);
  m_initialized = std::exchange(other.m_initialized, false);
  m_functions = std::exchange(other.m_functions, {});
  m_status = std::move(other.m_status);
  return *this;
}

NvmlLibrary::~NvmlLibrary() { close(); }

std::string NvmlLibrary::error_string(int rc) const {
  const char* text = m_functions.error_string ? m_functions.error_string(rc) : nullptr;
  return text ? std::string(text) : fmt::format("NVML error {}", rc);
}

void NvmlLibrary::close() noexcept {
  // nvmlShutdown's failure leaves nothing to do: the process goes on without NVML.
  if (m_initialized) static_cast<void>(m_functions.shutdown());
  m_initialized = false;
  m_functions = {};
  if (m_handle) dlclose(m_handle);
  m_handle = nullptr;
}

}  // namespace flopwall
