#pragma once
// The binary's side of the CUDA plugin (docs/gpu.md, "The CUDA plugin"):
// where the plugin is, loading it on first need, and the cuda row of the
// backends table, whose functions load the plugin and forward to its row.
// Nothing here needs a CUDA header or library.
#include <optional>
#include <string>

#include "runtime/backends.hpp"

namespace flopwall {

// FLOPWALL_CUDA_PLUGIN when set, else libflopwall_cuda.so beside the
// running executable (/proc/self/exe, links resolved).
std::string cuda_plugin_path();

// Loads the plugin once (later calls return the first answer): nothing when
// it is loaded and its row is ready, else one line saying why not (the path,
// the loader's reason, and what to do).
std::optional<std::string> load_cuda_plugin();
bool cuda_plugin_loaded();

// The cuda row as this binary knows it before loading anything: its facts,
// and functions that load the plugin on first call.
BackendEntry cuda_plugin_backend_entry();

}  // namespace flopwall
