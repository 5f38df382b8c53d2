#include "runtime/device_calibration_job.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

#include "platform/hwloc_inventory.hpp"
#include "platform/mpi_check.hpp"

namespace flopwall {
namespace {

std::int64_t read_last_level_cache() {
  try {
    const HwlocInventory inv = read_hwloc_inventory();
    int level = 0;
    std::uint64_t bytes = 0;
    for (const CacheLevel& c : inv.caches)
      if (c.kind != "instruction" && c.level >= level && c.size_bytes > 0) {
        if (c.level > level) bytes = 0;
        level = c.level;
        bytes = std::max(bytes, c.size_bytes);
      }
    return static_cast<std::int64_t>(bytes);
  } catch (const std::runtime_error&) {
    return 0;  // hwloc cannot load the topology: the stated fallback size applies
  }
}

}  // namespace

std::int64_t node_last_level_cache_bytes(const MpiEnvironment& mpi) {
  std::int64_t bytes = mpi.local_rank() == 0 ? read_last_level_cache() : 0;
  FLOPWALL_MPI_CHECK(MPI_Bcast(&bytes, 1, MPI_INT64_T, 0, mpi.node_comm()));
  return bytes;
}

CalibrationDevice to_calibration_device(const DeviceMeasurement& m, int rank, const std::string& host, int threads) {
  CalibrationDevice d{.rank = rank, .host = host, .threads = threads, .gemm_n = m.gemm_n,
                      .mem_bw_bytes_per_s = m.mem_bw_bytes_per_s, .triad_bytes = m.triad_bytes,
                      .op_overhead_s = m.op_overhead_s};
  for (const auto& [dtype, flops] : m.gemm_flops) d.gemm_flops[std::string(dtype_name(dtype))] = flops;
  return d;
}

std::vector<CalibrationDevice> calibrate_devices(const BackendEntry& backend, CalibrationRequest request,
                                                 const MpiEnvironment& mpi) {
  if (!backend.calibrate_device)
    throw std::logic_error(fmt::format("the {} backend has no calibration", backend.name));
  if (request.cache_bytes == 0) request.cache_bytes = node_last_level_cache_bytes(mpi);
  const DeviceMeasurement m = backend.calibrate_device(request, mpi);
  // BLAS threads only mean something where the GEMMs run on host BLAS.
  const CalibrationDevice mine =
      to_calibration_device(m, mpi.rank(), mpi.hostname(), backend.host_blas ? request.threads : 1);
  // The figures travel as the schema's JSON: one serialisation, one parser.
  const std::vector<std::string> all = gather_strings(MPI_COMM_WORLD, calibration_device_to_json(mine).dump());
  std::vector<CalibrationDevice> devices;
  for (const std::string& text : all) devices.push_back(calibration_device_from_json(nlohmann::json::parse(text)));
  return devices;
}

}  // namespace flopwall
