#pragma once
// The backends table: one row per backend (cpu, cuda), saying what it is
// called, whether this build and this machine can run it, how to make its
// device and its transports, and which library versions it brings. Backend
// resolution, `--version`, a run's metadata and the report read this table;
// nothing else asks which backends were built.
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "backend/device.hpp"
#include "backend/device_calibration.hpp"
#include "core/key_values.hpp"
#include "model/plan.hpp"
#include "platform/machine_inventory.hpp"
#include "platform/mpi_environment.hpp"
#include "runtime/communicator.hpp"
#include "transport/transport.hpp"

namespace flopwall {

struct DeviceRequest {
  DType dtype = DType::fp32;
  int threads = 1;         // cpu: OpenBLAS threads per rank
  double timeout_s = 300;  // cuda: longest wait for an iteration or a communicator
};

struct TransportOptions {
  double timeout_s = 300;
  Device* device = nullptr;  // a run's device (its stream orders the calls); nullptr for a sweep
};

struct BackendEntry {
  std::string_view name;       // "cpu", "cuda": the --backend value
  std::string_view title;      // "CPU", "CUDA": in messages
  std::string_view transport;  // "mpi", "nccl"
  bool compiled = false;       // built into this binary
  bool accelerator = false;    // the default when a device is visible
  bool device_memory = false;  // the plan's buffers live in device memory (the host holds staging copies)
  bool int_counts = false;     // its libraries count in C ints (MPI-3 element counts, BLAS dimensions)
  bool host_blas = false;      // its GEMMs run on the host's BLAS (OpenBLAS): a fallback kernel there is its figures'
                               // concern, and run and collectives warn of one
  // Loads what it runs on when that is a plugin (cuda: build/libflopwall_cuda.so,
  // runtime/cuda_plugin.hpp): nothing when ready, else one line saying why
  // not. nullptr when the backend is part of the binary.
  std::optional<std::string> (*load)() = nullptr;
  // Why this machine cannot run it (no device visible), or nothing.
  std::optional<std::string> (*unavailable)() = nullptr;
  // Collective over MPI_COMM_WORLD: binds this rank's device, checks it can
  // hold `plan`, and makes the device. Bad input is an agreed UsageError.
  std::unique_ptr<Device> (*make_device)(const DeviceRequest& request, const Plan& plan,
                                         const MpiEnvironment& mpi) = nullptr;
  // Collective over MPI_COMM_WORLD: what a sweep needs done once before its
  // transports (binding the GPU); nullptr when nothing.
  void (*prepare_transports)(const MpiEnvironment& mpi) = nullptr;
  // The transport of one communicator.
  std::unique_ptr<Transport> (*make_transport)(MPI_Comm comm, const TransportOptions& options) = nullptr;
  // name → version of the libraries it runs on (for --version and /meta).
  // Never loads a plugin: before it is loaded, the versions it was built with.
  KeyValues (*versions)() = nullptr;
  // Fills in what only this backend's libraries know about a node's
  // inventory (cuda: each GPU's SM count, which NVML does not give); nullptr
  // when nothing. Called on each node's first rank, after make_device.
  void (*complete_inventory)(NodeInventory& node) = nullptr;
  // What the backend's communication library detected about the topology,
  // as /meta keys (cuda: NCCL's topology dump, `nccl_topology_xml`, on the
  // rank that wrote it); nullptr when nothing.
  KeyValues (*topology_meta)() = nullptr;
  // Collective over MPI_COMM_WORLD: measures this rank's device for a
  // calibration (backend/device_calibration.hpp): GEMM FLOP/s per dtype,
  // triad bandwidth, the smallest op. Binds the device as make_device does;
  // a dtype it cannot run is an agreed UsageError.
  DeviceMeasurement (*calibrate_device)(const CalibrationRequest& request, const MpiEnvironment& mpi) = nullptr;
};

// The cuda row's facts, whether it was built or not: the row a CPU-only
// build lists, the binary's plugin-loading row (runtime/cuda_plugin.cpp)
// and the plugin's own row (runtime/cuda_backend.cpp) all start from it.
inline BackendEntry cuda_backend_facts() {
  return {.name = "cuda", .title = "CUDA", .transport = "nccl", .compiled = false, .accelerator = true,
          .device_memory = true, .int_counts = false};
}

// Every backend flopwall knows, built here or not.
const std::vector<BackendEntry>& backends();
// Every backend's name, built here or not: "cpu, cuda".
std::string backend_names();
bool is_backend_name(std::string_view name);
// The row of `name`, built here or not (its facts hold either way);
// UsageError naming the valid names when there is none.
const BackendEntry& backend_entry(std::string_view name);
// The compiled backend named `name`; UsageError naming the valid ones otherwise.
const BackendEntry& backend_named(std::string_view name);
// The backends built into this binary, e.g. "cpu" or "cpu, cuda".
std::string compiled_backends();
// Every compiled backend's library versions, in table order.
KeyValues backend_versions();

// The backend to use for `requested` ("" = the default: an accelerator
// backend built here with a device visible, else cpu). When the default
// falls back to cpu, `note` says why. Throws UsageError when a request
// cannot be honoured (a requested backend's plugin that cannot load, too).
// A plugin is loaded only for a request that names it, or for the default
// when a device may be there.
std::string resolve_backend(const std::string& requested, std::string& note);
// resolve_backend on every rank, agreed: a bad request is an agreed
// UsageError, and when the default picks an accelerator on some ranks but
// not on others, every rank uses cpu (collectives must match). Collective.
std::string resolve_backend_everywhere(const std::string& requested, std::string& note);

struct Backend {
  std::unique_ptr<Device> device;
  std::unique_ptr<Communicator> comm;  // declared last: torn down before the device's buffers
};

// Collective over MPI_COMM_WORLD: the device and one transport per group of
// `layout`. Bad input (no device, too little memory, an unsupported dtype)
// is an agreed UsageError on every rank.
Backend make_backend(std::string_view backend, const DeviceRequest& request, const Plan& plan,
                     const MpiEnvironment& mpi, const ParallelLayout& layout);

// The transports a collective sweep on `backend` uses. Collective over MPI_COMM_WORLD.
TransportFactory make_transport_factory(std::string_view backend, const MpiEnvironment& mpi, double timeout_s);

// The rows, one per backend source file (runtime/cpu_backend.cpp, runtime/cuda_backend.cpp).
BackendEntry cpu_backend_entry();
// Defined only in the CUDA plugin (docs/gpu.md); the binary's cuda row is
// cuda_plugin_backend_entry() (runtime/cuda_plugin.hpp), which loads it.
BackendEntry cuda_backend_entry();

}  // namespace flopwall
