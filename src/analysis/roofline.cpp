#include "analysis/roofline.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace flopwall {
namespace {

constexpr double k_nan = std::numeric_limits<double>::quiet_NaN();

bool positive(double v) noexcept { return std::isfinite(v) && v > 0; }

// A rate over the events' summed time; NaN without work or without time.
double rate(double amount, double time_s) noexcept {
  return positive(amount) && positive(time_s) ? amount / time_s : k_nan;
}

}  // namespace

std::string_view bound_name(Bound b) noexcept {
  switch (b) {
    case Bound::compute: return "compute";
    case Bound::memory: return "memory";
    case Bound::communication: return "communication";
    case Bound::latency: return "latency";
  }
  return "?";
}

std::string_view ceiling_unit_name(CeilingUnit u) noexcept {
  switch (u) {
    case CeilingUnit::flops_per_s: return "flops_per_s";
    case CeilingUnit::bytes_per_s: return "bytes_per_s";
    case CeilingUnit::seconds: return "s";
  }
  return "?";
}

double arithmetic_intensity(double flops, double bytes_mem) noexcept {
  return positive(bytes_mem) && std::isfinite(flops) && flops >= 0 ? flops / bytes_mem : k_nan;
}

double roofline_ceiling(double peak_flops_per_s, double mem_bw_bytes_per_s, double intensity) noexcept {
  return std::min(peak_flops_per_s, intensity * mem_bw_bytes_per_s);
}

double ridge_point(double peak_flops_per_s, double mem_bw_bytes_per_s) noexcept {
  return positive(peak_flops_per_s) && positive(mem_bw_bytes_per_s) ? peak_flops_per_s / mem_bw_bytes_per_s : k_nan;
}

double harmonic_mean(std::span<const double> values) noexcept {
  if (values.empty()) return k_nan;
  double inverse_sum = 0;
  for (double v : values) {
    if (!positive(v)) return k_nan;
    inverse_sum += 1.0 / v;
  }
  return static_cast<double>(values.size()) / inverse_sum;
}

JobCeiling job_ceiling(std::span<const DeviceCeiling> devices) noexcept {
  std::vector<double> peaks, bandwidths;
  double overhead_sum = 0;
  for (const DeviceCeiling& d : devices) {
    peaks.push_back(d.peak_flops_per_s);
    bandwidths.push_back(d.mem_bw_bytes_per_s);
    overhead_sum += d.op_overhead_s;  // a NaN (unknown) makes the mean unknown
  }
  JobCeiling job{.peak_flops_per_s = harmonic_mean(peaks), .mem_bw_bytes_per_s = harmonic_mean(bandwidths)};
  job.ridge_flops_per_byte = ridge_point(job.peak_flops_per_s, job.mem_bw_bytes_per_s);
  job.op_overhead_s = devices.empty() ? k_nan : overhead_sum / static_cast<double>(devices.size());
  return job;
}

RooflinePoint device_op_roofline(const OpWork& work, std::span<const DeviceCeiling> devices) {
  RooflinePoint p;
  p.intensity = arithmetic_intensity(work.flops, work.bytes_mem);
  p.achieved_flops_per_s = rate(work.flops, work.time_s);
  p.achieved_bytes_per_s = rate(work.bytes_mem, work.time_s);
  // An op with FLOPs sits on the FLOP/s roofline; one with memory bytes
  // only (LayerNorm, softmax, GELU, residual) under the bandwidth alone.
  const bool flops_side = positive(work.flops);
  p.unit = flops_side ? CeilingUnit::flops_per_s : CeilingUnit::bytes_per_s;
  if (devices.empty() || work.events == 0 || (!flops_side && !positive(work.bytes_mem))) return p;

  // Each rank's ceiling and its ideal time of one event (roofline time).
  const double events = static_cast<double>(work.events);
  std::vector<double> ceilings;
  double ideal_sum_s = 0;
  for (const DeviceCeiling& d : devices) {
    double ceiling = d.mem_bw_bytes_per_s;
    if (flops_side)
      ceiling = std::isfinite(p.intensity) ? roofline_ceiling(d.peak_flops_per_s, d.mem_bw_bytes_per_s, p.intensity)
                                           : d.peak_flops_per_s;
    ceilings.push_back(ceiling);
    ideal_sum_s += (flops_side ? work.flops : work.bytes_mem) / events / ceiling;
  }
  const double ceiling = harmonic_mean(ceilings);
  if (!std::isfinite(ceiling)) return p;  // a rank without a positive figure: nothing to judge against
  p.ceiling = ceiling;
  const double achieved = flops_side ? p.achieved_flops_per_s : p.achieved_bytes_per_s;
  if (std::isfinite(achieved)) p.pct_of_ceiling = 100.0 * achieved / ceiling;

  const JobCeiling job = job_ceiling(devices);
  const double ideal_s = ideal_sum_s / static_cast<double>(devices.size());
  if (std::isfinite(job.op_overhead_s) && ideal_s < job.op_overhead_s)
    p.bound = Bound::latency;
  else if (flops_side && (!std::isfinite(p.intensity) || p.intensity >= job.ridge_flops_per_byte))
    p.bound = Bound::compute;
  else
    p.bound = Bound::memory;
  return p;
}

RooflinePoint comm_op_roofline(const OpWork& work, const TierCeiling* tier) {
  RooflinePoint p;
  p.intensity = k_nan;
  p.achieved_flops_per_s = k_nan;
  p.achieved_bytes_per_s = rate(work.bytes_comm, work.time_s);
  p.unit = CeilingUnit::seconds;
  if (!tier || work.events == 0 || !positive(tier->busbw_bytes_per_s) || !std::isfinite(tier->alpha_s)) return p;
  const double events = static_cast<double>(work.events);
  // A fit's intercept can come out below zero; no collective is faster than free.
  const double alpha_s = std::max(0.0, tier->alpha_s);
  // bytes_comm is bus bytes (payload × factor(n)), busbw = factor(n) / beta:
  // their ratio is beta · payload.
  const double bandwidth_s = work.bytes_comm / events / tier->busbw_bytes_per_s;
  const double ideal_s = alpha_s + bandwidth_s;
  p.ceiling = ideal_s;
  const double measured_s = work.time_s / events;
  if (positive(measured_s)) p.pct_of_ceiling = 100.0 * ideal_s / measured_s;
  p.bound = bandwidth_s > 0 && bandwidth_s >= alpha_s ? Bound::communication : Bound::latency;
  return p;
}

RooflinePoint op_roofline(const OpWork& work, std::span<const DeviceCeiling> devices, const TierCeiling* tier) {
  switch (work.kind) {
    case OpKind::compute:
    case OpKind::memory: return device_op_roofline(work, devices);
    case OpKind::comm: return comm_op_roofline(work, tier);
    case OpKind::idle: break;
  }
  RooflinePoint p;
  p.intensity = p.achieved_flops_per_s = p.achieved_bytes_per_s = k_nan;
  return p;
}

}  // namespace flopwall
