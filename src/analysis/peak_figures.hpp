#pragma once
// Achieved FLOP/s next to the peaks it is judged against, per rank: the
// theoretical peak (an estimate from a formula over the machine's inventory,
// platform/peak_estimate.hpp) and the calibrated one (measured: the trace's
// /meta calibration_json, combined over ranks as the roofline does).
// docs/metrics.md, "Peaks", gives the formulas.
#include <optional>
#include <string>
#include <vector>

#include "analysis/report_context.hpp"

namespace flopwall {

struct PeakFigure {
  std::string dtype;
  std::string device;            // what one rank computes on: "1 core of AMD EPYC", "NVIDIA H200"
  double theoretical_flops_per_s = 0.0;
  std::string formula;           // the estimate's inputs, spelled out
  std::optional<double> achieved_flops_per_s;   // the run's dtype only: model FLOPs per rank / p50 step
  std::optional<double> calibrated_flops_per_s;  // none when the calibration did not measure this dtype
};

struct BandwidthFigure {
  std::optional<double> theoretical_bytes_per_s;  // where the platform tells it (NVML: clock and bus width)
  std::string formula;                            // or why there is none
  std::optional<double> calibrated_bytes_per_s;
};

struct PeakFigures {
  std::string run_dtype;
  std::vector<PeakFigure> flops;  // one per dtype the device has an estimate for
  BandwidthFigure memory;
  std::string missing;  // why there are no peaks at all, or ""
  bool calibrated = false;  // the trace carries a calibration
  std::string calibration;  // its source, or why there is none
};

PeakFigures analyze_peaks(const ReportContext& context);

}  // namespace flopwall
