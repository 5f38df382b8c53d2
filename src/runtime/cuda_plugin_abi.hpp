#pragma once
// The CUDA plugin's entry point: build/libflopwall_cuda.so exports one C
// function, flopwall_cuda_plugin(), that returns this table. The binary
// (runtime/cuda_plugin.cpp) refuses a table whose ABI version, size or
// build differs from its own, so a stale plugin is a clear error, never a
// crash. docs/gpu.md, "The CUDA plugin", explains the boundary: the plugin
// holds only the CUDA sources and takes everything else (errors, the MPI
// environment, Device and Transport) from the binary, which exports it.
#include <cstdint>

#include "runtime/backends.hpp"

namespace flopwall {

// Raise it whenever this table, BackendEntry, or a type the plugin shares
// with the binary (Device, Transport, Plan, MpiEnvironment, ...) changes.
inline constexpr std::uint32_t k_cuda_plugin_abi_version = 3;
inline constexpr const char* k_cuda_plugin_entry_symbol = "flopwall_cuda_plugin";

struct CudaPluginTable {
  std::uint32_t abi_version = 0;  // k_cuda_plugin_abi_version of the plugin's build
  std::uint32_t table_bytes = 0;  // sizeof(CudaPluginTable) of the plugin's build
  const char* tool_version = "";  // build_info::k_version of the plugin's build
  const char* git_revision = "";  // build_info::k_git_revision of the plugin's build
  BackendEntry (*backend_entry)() = nullptr;  // the cuda row (runtime/cuda_backend.cpp)
};

}  // namespace flopwall

extern "C" {
using flopwall_cuda_plugin_fn = const flopwall::CudaPluginTable* (*)();
}
