// The cpu backend's row of the backends table: OpenBLAS and the project's
// CPU kernels on host memory, MPI collectives.
#include <cblas.h>
#include <fmt/format.h>

#include "backend/cpu_device.hpp"
#include "runtime/backends.hpp"
#include "transport/mpi/mpi_transport.hpp"

namespace flopwall {
namespace {

std::unique_ptr<Device> make_device(const DeviceRequest& request, const Plan&, const MpiEnvironment&) {
  std::unique_ptr<Device> device;
  // The node's memory was checked before the plan was built (cli/input_limits.hpp, run_footprint).
  agreed(MPI_COMM_WORLD, [&] { device = make_cpu_device(request.dtype, request.threads); });
  return device;
}

DeviceMeasurement calibrate_device(const CalibrationRequest& request, const MpiEnvironment&) {
  DeviceMeasurement m;
  agreed(MPI_COMM_WORLD, [&] { m = measure_cpu_device(request); });
  return m;
}

std::unique_ptr<Transport> make_transport(MPI_Comm comm, const TransportOptions&) {
  return std::make_unique<MpiTransport>(comm);
}

}  // namespace

BackendEntry cpu_backend_entry() {
  return {.name = "cpu",
          .title = "CPU",
          .transport = "mpi",
          .compiled = true,
          .accelerator = false,
          .device_memory = false,
          .int_counts = true,
          .host_blas = true,
          .unavailable = [] { return std::optional<std::string>(); },
          .make_device = make_device,
          .make_transport = make_transport,
          .versions = nullptr,
          .calibrate_device = calibrate_device};
}

}  // namespace flopwall
