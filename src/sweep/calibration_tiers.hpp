#pragma once
// The communicator half of a calibration: per tier the job has (world; intra-
// and inter-node when there are several nodes), the allreduce's
// time = alpha + beta · bytes, fitted by the collective sweep's least squares
// over a few sizes (run_sweep, fit_alpha_beta), with its timing loop.
#include <string>
#include <vector>

#include "platform/mpi_environment.hpp"
#include "sweep/sweep_config.hpp"
#include "trace/calibration_json.hpp"
#include "trace/sweep_data.hpp"

namespace flopwall {

struct TierCalibrationOptions {
  std::string backend;  // resolved
  bool short_run = false;  // `run`'s default calibration: fewer sizes and iterations
  double timeout_s = 300;
};

// The sweep a tier calibration runs: allreduce, out of place, unchecked
// (the collectives command checks), the slowest rank's time per iteration.
SweepConfig tier_sweep_config(const TierCalibrationOptions& options);

// One fit in the calibration's units: alpha_us → s; beta from GB/s to s per
// byte (0 when the fit found no positive slope); busbw = factor / beta. A
// negative intercept (the latency is below what the sizes resolve) is
// stored as 0 and said in `note`.
CalibrationTier tier_from_fit(const SweepFit& fit, int ranks, std::string& note);

// Collective over MPI_COMM_WORLD. Empty for a job of one rank (nothing to
// communicate). `notes` gets what was skipped or rounded, said once.
std::vector<CalibrationTier> calibrate_tiers(const TierCalibrationOptions& options, const MpiEnvironment& mpi,
                                             std::vector<std::string>& notes);

}  // namespace flopwall
