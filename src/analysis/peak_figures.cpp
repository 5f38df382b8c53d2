#include "analysis/peak_figures.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "analysis/roofline.hpp"
#include "analysis/roofline_ceilings.hpp"
#include "analysis/sections/run_summary_section.hpp"
#include "platform/peak_estimate.hpp"

namespace flopwall {
namespace {

int blas_threads(const TraceHeader& header) {
  int n = 0;
  if (const std::string* value = find_value(header.meta, "blas_threads_per_rank")) {
    const auto [end, ec] = std::from_chars(value->data(), value->data() + value->size(), n);
    if (ec == std::errc{} && n > 0) return n;
  }
  return 1;
}

// The calibration's figures of `dtype`, combined over ranks as the roofline
// combines them (the harmonic mean: equal work on every rank).
std::optional<JobCeiling> calibrated_job(const ReportContext& context, const std::string& dtype) {
  const CalibrationRead read = ceilings_of(context.calibration, dtype, context.trace.header.world_size);
  if (!read.ceilings || read.ceilings->devices.empty()) return std::nullopt;  // the header says why
  return job_ceiling(read.ceilings->devices);
}

}  // namespace

PeakFigures analyze_peaks(const ReportContext& context) {
  PeakFigures peaks;
  peaks.run_dtype = context.config.string_field("dtype").value_or("");
  if (context.machine.classes.empty()) {
    peaks.missing = context.machine.missing;
    return peaks;
  }
  // Rank 0's node class stands for the job: a mixed job gets a doctor warning.
  const NodeInventory& node = context.machine.classes.front().inventory;
  std::vector<PeakEstimate> estimates;
  std::string device;
  if (context.trace.header.backend == "cpu") {
    const int cores = blas_threads(context.trace.header);
    estimates = cpu_peak_estimates(node.cpu, cores);
    device = fmt::format("{} core{} of {}", cores, cores == 1 ? "" : "s", node.cpu.model);
    peaks.memory.formula = "not told by this platform (the OS does not report DRAM channels and speed)";
  } else if (!node.gpus.empty()) {
    // The first GPU the run could count the SMs of (the others may have been hidden from it).
    const auto counted = std::find_if(node.gpus.begin(), node.gpus.end(), [](const GpuInventory& g) { return g.sm_count > 0; });
    const GpuInventory& gpu = counted != node.gpus.end() ? *counted : node.gpus.front();
    estimates = gpu_peak_estimates(gpu);
    device = gpu.name;
    peaks.memory.theoretical_bytes_per_s = gpu_memory_bandwidth_estimate(gpu);
    peaks.memory.formula = peaks.memory.theoretical_bytes_per_s
                               ? fmt::format("2 × {} MHz memory clock × {} bit bus / 8", gpu.mem_clock_max_mhz,
                                             gpu.memory_bus_width_bits)
                               : "not told by this GPU's driver";
  } else {
    peaks.missing = "no GPU was described by NVML on this trace's nodes";
    return peaks;
  }
  if (estimates.empty() && peaks.missing.empty())
    peaks.missing = "no estimate: the inventory lacks a frequency or an SM count";
  const RunSummary run = analyze_run_summary(context);
  const int ranks = std::max(1, context.trace.header.world_size);
  for (const PeakEstimate& e : estimates) {
    PeakFigure f{.dtype = e.dtype, .device = device, .theoretical_flops_per_s = e.flops_per_s, .formula = e.formula};
    if (e.dtype == peaks.run_dtype && run.flops_per_s_total > 0) f.achieved_flops_per_s = run.flops_per_s_total / ranks;
    if (const auto job = calibrated_job(context, e.dtype)) {
      f.calibrated_flops_per_s = job->peak_flops_per_s;
      peaks.memory.calibrated_bytes_per_s = job->mem_bw_bytes_per_s;
    }
    peaks.flops.push_back(std::move(f));
  }
  const std::optional<Calibration>& calibration = context.calibration.calibration;
  peaks.calibration = calibration ? fmt::format("source '{}'", calibration->source) : context.calibration.why_not;
  peaks.calibrated = calibration.has_value();
  return peaks;
}

}  // namespace flopwall
