// The cuda backend's row of the backends table: one rank per GPU, bound by
// local rank; cuBLASLt and the project's kernels; NCCL collectives. Built
// into the CUDA plugin, whose entry point, flopwall_cuda_plugin(), is at
// the end (runtime/cuda_plugin_abi.hpp).
#include <fmt/format.h>

#include <set>

#include "backend/device_binding.hpp"
#include "backend/cuda/cuda_device.hpp"
#include "backend/cuda/cuda_calibration.hpp"
#include "platform/cuda/cuda_probe.hpp"
#include "runtime/backends.hpp"
#include "model/serve_plan.hpp"
#include "runtime/cuda_plugin_abi.hpp"
#include "core/version.hpp"
#include "transport/nccl/nccl_comm.hpp"
#include "transport/nccl/nccl_transport.hpp"
#include "core/units.hpp"
#include "platform/cuda/cuda_check.hpp"
#include "platform/mpi_check.hpp"

namespace flopwall {
namespace {

constexpr std::uint64_t k_device_reserve_bytes = 512ull << 20;  // context, cuBLASLt workspace, NCCL buffers

// Every rank of the node learns of a shared GPU, so all refuse together.
std::optional<std::string> shared_device_problem(const MpiEnvironment& mpi, const std::string& uuid) {
  const auto uuids = allgather_strings(mpi.node_comm(), uuid);
  const auto pair = first_shared_device(uuids);
  if (!pair) return std::nullopt;
  return fmt::format("local ranks {} and {} on {} would share GPU {}; run one rank per GPU: {} ranks on this node "
                     "see {} distinct GPUs",
                     pair->first, pair->second, mpi.hostname(), uuids[static_cast<std::size_t>(pair->first)],
                     mpi.local_size(), std::set<std::string>(uuids.begin(), uuids.end()).size());
}

// Serve mode: the KV cache grows with --requests; name the largest count
// that fits, by the plan's closed-form size (bytes are affine in requests).
std::string serve_memory_problem(const Plan& plan, std::uint64_t need, std::uint64_t free_bytes) {
  const std::uint64_t other = need - plan.buffer_bytes();
  const std::int64_t fits =
      largest_requests_fitting(plan.shape, plan.serve, plan.layout, plan.dtype, free_bytes, other);
  const std::uint64_t kv = kv_bytes_per_token(plan.shape, plan.dtype) / static_cast<std::uint64_t>(plan.layout.tp);
  return fmt::format("--requests {}: the weights, activations and KV cache ({} per token per rank) need {} of GPU "
                     "memory per rank but the device has {} free; {}",
                     plan.serve.requests, units::bytes(static_cast<double>(kv)),
                     units::bytes(static_cast<double>(need)), units::bytes(static_cast<double>(free_bytes)),
                     fits > 0 ? fmt::format("the largest --requests that fits is {}", fits)
                              : std::string("not even one request fits; lower --prompt-len or --decode-steps, or "
                                            "raise --tp"));
}

std::optional<std::string> device_memory_problem(const Plan& plan) {
  std::size_t free_bytes = 0, total_bytes = 0;
  FLOPWALL_CUDA_CHECK(cudaMemGetInfo(&free_bytes, &total_bytes));
  const std::uint64_t need = plan.buffer_bytes() + k_device_reserve_bytes +
                             static_cast<std::uint64_t>(cuda::largest_staged_elements(plan)) * sizeof(float);
  if (need <= free_bytes) return std::nullopt;
  if (plan.serve.requests > 0) return serve_memory_problem(plan, need, free_bytes);
  return fmt::format("the model needs {} of GPU memory per rank but the device has {} free; "
                     "reduce --layers, --seq or --batch, or raise --tp",
                     units::bytes(static_cast<double>(need)), units::bytes(static_cast<double>(free_bytes)));
}

// Picks this rank's GPU (one visible: device 0; else local rank mod count),
// refuses two ranks on one GPU, and makes it current. Errors are agreed
// UsageErrors. Collective over MPI_COMM_WORLD.
int bind_cuda_device(const MpiEnvironment& mpi) {
  const MPI_Comm world = MPI_COMM_WORLD;
  const cuda::Visibility visible = cuda::probe_devices();
  agree_on_usage_error(world, visible.devices > 0 ? std::nullopt
                                                  : std::optional<std::string>("--backend cuda: no CUDA device is "
                                                                               "visible: " + visible.why_none));
  const int device = device_for_local_rank(mpi.local_rank(), visible.devices);
  FLOPWALL_CUDA_CHECK(cudaSetDevice(device));
  agree_on_usage_error(world, shared_device_problem(mpi, cuda::device_uuid(device)));
  return device;
}

std::unique_ptr<Device> make_device(const DeviceRequest& request, const Plan& plan, const MpiEnvironment& mpi) {
  const MPI_Comm world = MPI_COMM_WORLD;
  agree_on_usage_error(world, request.dtype != DType::fp64
                                  ? std::nullopt
                                  : std::optional<std::string>("--dtype fp64 is not supported by the cuda backend; "
                                                               "valid: fp32, tf32, fp16, bf16, fp8"));
  const int device = bind_cuda_device(mpi);
  agree_on_usage_error(world, device_memory_problem(plan));
  return cuda::make_cuda_device(device, request.dtype, {.timeout_s = request.timeout_s});
}

std::unique_ptr<Transport> make_transport(MPI_Comm comm, const TransportOptions& options) {
  // A run's collectives are ordered against its device's compute stream.
  auto* device = dynamic_cast<cuda::CudaDevice*>(options.device);
  return std::make_unique<NcclTransport>(comm, options.timeout_s, device ? device->compute_stream() : nullptr);
}

std::optional<std::string> unavailable() {
  const cuda::Visibility v = cuda::probe_devices();
  if (v.devices > 0) return std::nullopt;
  return v.why_none;
}

// NVML describes a GPU without its SM count; the CUDA runtime has it. GPUs
// are matched by PCI bus id (NVML's numbering need not be CUDA's).
void complete_inventory(NodeInventory& node) {
  for (GpuInventory& gpu : node.gpus) {
    int device = -1, sms = 0;
    if (cudaDeviceGetByPCIBusId(&device, gpu.pci_bus_id.c_str()) != cudaSuccess ||
        cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device) != cudaSuccess) {
      cudaGetLastError();  // a GPU this process may not see (CUDA_VISIBLE_DEVICES): its count stays unknown
      continue;
    }
    gpu.sm_count = sms;
  }
  // GPUs this process may not see (CUDA_VISIBLE_DEVICES of one GPU per rank)
  // have the SM count of a visible one of the same product and compute capability.
  for (GpuInventory& gpu : node.gpus)
    for (const GpuInventory& known : node.gpus)
      if (gpu.sm_count < 0 && known.sm_count >= 0 && known.name == gpu.name && known.cc_major == gpu.cc_major &&
          known.cc_minor == gpu.cc_minor)
        gpu.sm_count = known.sm_count;
}

DeviceMeasurement calibrate_device(const CalibrationRequest& request, const MpiEnvironment& mpi) {
  bind_cuda_device(mpi);
  DeviceMeasurement m;
  agreed(MPI_COMM_WORLD, [&] { m = cuda::measure_cuda_device(request); });
  return m;
}

KeyValues topology_meta() {
  const std::string xml = nccl_topology_dump();
  if (xml.empty()) return {};
  return {{"nccl_topology_xml", xml}};
}

}  // namespace

BackendEntry cuda_backend_entry() {
  BackendEntry row = cuda_backend_facts();
  row.compiled = true;
  row.unavailable = unavailable;
  row.make_device = make_device;
  row.prepare_transports = [](const MpiEnvironment& mpi) { bind_cuda_device(mpi); };
  row.make_transport = make_transport;
  row.versions = cuda::library_versions;
  row.complete_inventory = complete_inventory;
  row.topology_meta = topology_meta;
  row.calibrate_device = calibrate_device;
  return row;
}

}  // namespace flopwall

// The plugin's entry point: the one symbol the binary looks up in it.
extern "C" __attribute__((visibility("default"))) const flopwall::CudaPluginTable* flopwall_cuda_plugin() {
  static const flopwall::CudaPluginTable table{.abi_version = flopwall::k_cuda_plugin_abi_version,
                                               .table_bytes = sizeof(flopwall::CudaPluginTable),
                                               .tool_version = flopwall::build_info::k_version,
                                               .git_revision = flopwall::build_info::k_git_revision,
                                               .backend_entry = flopwall::cuda_backend_entry};
  return &table;
}
