#include "runtime/cuda_plugin.hpp"

#include <dlfcn.h>
#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>
#include <system_error>

#include "core/error.hpp"
#include "core/version.hpp"
#include "platform/mpi_environment.hpp"
#include "runtime/cuda_plugin_abi.hpp"

// Set by src/runtime/CMakeLists.txt from what configuration found.
#ifndef FLOPWALL_CUDA_PLUGIN_FILE
#error "FLOPWALL_CUDA_PLUGIN_FILE must be defined by the build"
#endif

namespace flopwall {
namespace {

constexpr const char* k_plugin_file = FLOPWALL_CUDA_PLUGIN_FILE;
constexpr const char* k_built_cuda = FLOPWALL_CUDA_BUILT_VERSION;
constexpr const char* k_built_nccl = FLOPWALL_NCCL_BUILT_VERSION;
constexpr const char* k_cpu_advice = "or use --backend cpu";

struct PluginState {
  bool tried = false;
  std::optional<std::string> error;  // why it did not load
  BackendEntry row;                  // the plugin's cuda row, once loaded
};

PluginState& plugin_state() {
  static PluginState state;
  return state;
}

std::string missing_library_advice() {
  return fmt::format("the libraries it needs (CUDA {} runtime and cuBLASLt, NCCL {}) must be installed where the "
                     "loader finds them (ldconfig, or LD_LIBRARY_PATH); {}",
                     k_built_cuda, k_built_nccl, k_cpu_advice);
}

// Opens the plugin and checks its table; the reason when it cannot.
std::optional<std::string> open_plugin(const std::string& path, BackendEntry& row) {
  // A name without a slash is the loader's to search for (FLOPWALL_CUDA_PLUGIN=libx.so).
  std::error_code ec;
  if (path.find('/') != std::string::npos && !std::filesystem::exists(path, ec))
    return fmt::format("the CUDA plugin {} does not exist: it is built beside the flopwall binary by a CUDA-enabled "
                       "build and installed with it (or FLOPWALL_CUDA_PLUGIN names it); {}",
                       path, k_cpu_advice);
  // RTLD_NOW: a missing library or symbol is found here, not in the middle
  // of a run. RTLD_LOCAL: the CUDA libraries stay out of the global scope.
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const std::string reason = dlerror();
    if (reason.find("undefined symbol") != std::string::npos)
      return fmt::format("cannot load the CUDA plugin {}: {}; it was built with another flopwall than this binary: "
                         "install the plugin built with it, {}",
                         path, reason, k_cpu_advice);
    return fmt::format("cannot load the CUDA plugin {}: {}; {}", path, reason, missing_library_advice());
  }
  // The plugin stays loaded to the end of the process: its libraries keep
  // threads and state that do not survive dlclose.
  auto entry = reinterpret_cast<flopwall_cuda_plugin_fn>(dlsym(handle, k_cuda_plugin_entry_symbol));
  if (!entry)
    return fmt::format("{} is not a flopwall CUDA plugin: it has no {} entry point; {}", path,
                       k_cuda_plugin_entry_symbol, k_cpu_advice);
  const CudaPluginTable* table = entry();
  if (!table || table->abi_version != k_cuda_plugin_abi_version || table->table_bytes != sizeof(CudaPluginTable) ||
      std::string_view(table->tool_version) != build_info::k_version ||
      std::string_view(table->git_revision) != build_info::k_git_revision || !table->backend_entry)
    return fmt::format("the CUDA plugin {} is from another build (plugin ABI {}, flopwall {} git {}; this binary: "
                       "ABI {}, flopwall {} git {}): install the plugin built with this binary, {}",
                       path, table ? table->abi_version : 0, table ? table->tool_version : "?",
                       table ? table->git_revision : "?", k_cuda_plugin_abi_version, build_info::k_version,
                       build_info::k_git_revision, k_cpu_advice);
  row = table->backend_entry();
  return std::nullopt;
}

// The plugin's row, loading it if need be; a UsageError when it cannot load.
// Collective over MPI_COMM_WORLD, so that every rank refuses together.
const BackendEntry& loaded_row_everywhere() {
  agree_on_usage_error(MPI_COMM_WORLD, load_cuda_plugin());
  return plugin_state().row;
}

const BackendEntry& loaded_row() {
  if (auto why = load_cuda_plugin()) throw UsageError(*why);
  return plugin_state().row;
}

bool exists(const char* path) {
  std::error_code ec;
  return std::filesystem::exists(path, ec);
}

// The default backend asks this on every run: answered without loading the
// plugin (and the CUDA libraries) when the answer is plainly no.
std::optional<std::string> unavailable() {
  if (const char* visible = std::getenv("CUDA_VISIBLE_DEVICES");
      visible && (*visible == '\0' || std::string_view(visible) == "-1"))
    return fmt::format("CUDA_VISIBLE_DEVICES='{}' hides every device", visible);
  // The NVIDIA driver's control node (WSL: the DirectX node); without it no
  // CUDA device can be opened.
  if (!exists("/dev/nvidiactl") && !exists("/dev/dxg"))
    return std::string("no NVIDIA driver is loaded (no /dev/nvidiactl)");
  if (auto why = load_cuda_plugin()) return why;
  return plugin_state().row.unavailable();
}

KeyValues versions() {
  if (cuda_plugin_loaded()) {
    KeyValues v = plugin_state().row.versions();
    v.emplace_back("cuda_plugin", cuda_plugin_path());
    return v;
  }
  return {{"cuda_built", k_built_cuda},
          {"nccl_built", k_built_nccl},
          {"cuda_plugin", cuda_plugin_path() + " (not loaded)"}};
}

}  // namespace

std::string cuda_plugin_path() {
  if (const char* path = std::getenv("FLOPWALL_CUDA_PLUGIN"); path && *path) return path;
  std::error_code ec;
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return k_plugin_file;  // no /proc: the loader's search path
  return (exe.parent_path() / k_plugin_file).string();
}

std::optional<std::string> load_cuda_plugin() {
  PluginState& state = plugin_state();
  if (!state.tried) {
    state.tried = true;
    state.error = open_plugin(cuda_plugin_path(), state.row);
  }
  return state.error;
}

bool cuda_plugin_loaded() { return plugin_state().tried && !plugin_state().error; }

BackendEntry cuda_plugin_backend_entry() {
  BackendEntry row = cuda_backend_facts();
  row.compiled = true;
  row.load = load_cuda_plugin;
  row.unavailable = unavailable;
  row.make_device = [](const DeviceRequest& request, const Plan& plan, const MpiEnvironment& mpi) {
    return loaded_row_everywhere().make_device(request, plan, mpi);
  };
  row.prepare_transports = [](const MpiEnvironment& mpi) {
    const BackendEntry& loaded = loaded_row_everywhere();
    if (loaded.prepare_transports) loaded.prepare_transports(mpi);
  };
  row.make_transport = [](MPI_Comm comm, const TransportOptions& options) {
    return loaded_row().make_transport(comm, options);
  };
  row.versions = versions;
  row.complete_inventory = [](NodeInventory& node) {
    if (const BackendEntry& loaded = loaded_row(); loaded.complete_inventory) loaded.complete_inventory(node);
  };
  row.topology_meta = [] {
    const BackendEntry& loaded = loaded_row();
    return loaded.topology_meta ? loaded.topology_meta() : KeyValues{};
  };
  row.calibrate_device = [](const CalibrationRequest& request, const MpiEnvironment& mpi) {
    return loaded_row_everywhere().calibrate_device(request, mpi);
  };
  return row;
}

}  // namespace flopwall
