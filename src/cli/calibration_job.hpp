#pragma once
// A calibration as the commands make and use it: measured on every rank
// (the devices through the backends table, the tiers through the collective
// sweep) and assembled on rank 0; or read from a file and checked against
// the job that stores it. `flopwall calibrate` and `flopwall run` share it.
#include <string>
#include <vector>

#include "backend/device_calibration.hpp"
#include "core/dtype.hpp"
#include "platform/mpi_environment.hpp"
#include "trace/calibration_json.hpp"

namespace flopwall {

struct CalibrationSettings {
  std::string backend;        // resolved
  std::vector<DType> dtypes;  // empty: every dtype the backend runs
  int threads = 1;
  double seconds = 10;        // per rank, for the device measurements
  bool short_run = false;     // `run`'s default: the short tier sweep too
  double timeout_s = 300;
  std::string source = "calibrate";
};

// `run`'s default calibration: its budget per rank for the device
// measurements, and its largest GEMM (the tiny model's largest is 1024 wide).
inline constexpr double k_run_calibration_seconds = 0.3;
inline constexpr std::int64_t k_run_calibration_max_gemm_n = 1024;

// Collective over MPI_COMM_WORLD; the whole, validated calibration on rank 0
// (the other ranks' has no devices). `notes` (rank 0) says what was skipped.
Calibration measure_calibration(const CalibrationSettings& settings, const MpiEnvironment& mpi,
                                std::vector<std::string>& notes);

// A few lines for people: per device its GEMM rates, bandwidth and smallest
// op; per tier alpha, beta and busbw.
std::string calibration_summary(const Calibration& c);

// Collective over MPI_COMM_WORLD: rank 0 reads `path`, every rank checks it,
// agreed. UsageError (one line naming --calibration and the file) when it
// cannot be read, is not JSON, breaks the schema, was measured for another
// number of ranks or another backend, or lacks `dtype` on some device.
// Returned with source "file" and file = `path`.
Calibration load_calibration_file(const std::string& path, int world_size, const std::string& backend, DType dtype);

}  // namespace flopwall
