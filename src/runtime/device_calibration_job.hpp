#pragma once
// The device half of a calibration, assembled for the job: every rank
// measures its device through its backend's row (calibrate_device), and
// rank 0 gathers the figures in rank order. The communicator half, the
// allreduce fit per tier, is the collective sweep's (sweep/calibration_tiers.hpp).
#include <cstdint>
#include <vector>

#include "backend/device_calibration.hpp"
#include "platform/mpi_environment.hpp"
#include "runtime/backends.hpp"
#include "trace/calibration_json.hpp"

namespace flopwall {

// This node's last-level cache (one instance, the largest data or unified
// cache hwloc reports), read by the node's first rank and shared over the
// node; 0 when hwloc does not tell. Collective over the node.
std::int64_t node_last_level_cache_bytes(const MpiEnvironment& mpi);

// Collective over MPI_COMM_WORLD: each rank's device measured with
// `request` (cache_bytes filled in from the node when 0); every rank's
// figures on rank 0, in rank order, empty elsewhere. A dtype the backend
// cannot run is an agreed UsageError.
std::vector<CalibrationDevice> calibrate_devices(const BackendEntry& backend, CalibrationRequest request,
                                                 const MpiEnvironment& mpi);

// One rank's figures in the calibration's vocabulary (pure; tested).
CalibrationDevice to_calibration_device(const DeviceMeasurement& m, int rank, const std::string& host, int threads);

}  // namespace flopwall
