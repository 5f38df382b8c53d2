#pragma once
// The roofline (Williams, Waterman, Patterson, "Roofline", CACM 2009) of one
// op name's events: its arithmetic intensity, achieved rates, the ceiling
// that applies from a calibration, the percentage of that ceiling reached,
// and what bounds it. Small pure functions over sums, as google/benchmark's
// statistics are; docs/metrics.md, "Roofline", gives every formula.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/op_kind.hpp"

namespace flopwall {

// One rank's measured ceilings for the run's dtype.
struct DeviceCeiling {
  int rank = 0;
  std::string host;
  double peak_flops_per_s = 0;    // calibrated GEMM FLOP/s of the run's dtype
  double mem_bw_bytes_per_s = 0;  // streaming triad
  double op_overhead_s = 0;       // the smallest device op; NaN when unknown
};

// One communicator tier's fitted collective time, alpha + beta·bytes.
struct TierCeiling {
  std::string tier;  // world | intra | inter
  int ranks = 0;
  std::string collective;
  double alpha_s = 0;
  double beta_s_per_byte = 0;    // per payload byte
  double busbw_bytes_per_s = 0;  // factor(ranks) / beta; 0 when unknown
};

// The figures the roofline takes from a calibration (roofline_ceilings.hpp
// reads them from a trace's calibration_json).
struct Ceilings {
  std::string source;  // calibrate | run-short | file
  std::string dtype;   // the run's, whose GEMM figure `peak_flops_per_s` is
  std::vector<DeviceCeiling> devices;  // one per rank, by rank
  std::vector<TierCeiling> tiers;
};

enum class Bound : std::uint8_t { compute, memory, communication, latency };
std::string_view bound_name(Bound b) noexcept;

// What the ceiling of a point is measured in.
enum class CeilingUnit : std::uint8_t { flops_per_s, bytes_per_s, seconds };
std::string_view ceiling_unit_name(CeilingUnit u) noexcept;

// One op name's events, summed over layers, ranks and iterations.
struct OpWork {
  OpKind kind = OpKind::compute;
  std::uint64_t events = 0;
  double flops = 0, bytes_mem = 0, bytes_comm = 0;
  double time_s = 0;  // Σ durations
};

// An op's place on the roofline. NaN marks a figure that has no meaning
// for the op (intensity of a comm op); an empty optional one that needs a
// calibration it lacks.
struct RooflinePoint {
  double intensity = 0;             // FLOP per byte of memory traffic
  double achieved_flops_per_s = 0;  // NaN without FLOPs
  double achieved_bytes_per_s = 0;  // memory bytes/s, or bus bytes/s for a comm op
  CeilingUnit unit = CeilingUnit::flops_per_s;
  std::optional<double> ceiling;         // in `unit`; a comm op's: the ideal time of one event
  std::optional<double> pct_of_ceiling;  // 100 × achieved / ceiling (comm: 100 × ideal / measured time)
  std::optional<Bound> bound;
};

// flops / bytes_mem; NaN when there are no memory bytes.
double arithmetic_intensity(double flops, double bytes_mem) noexcept;
// min(peak, intensity · bandwidth), in FLOP/s.
double roofline_ceiling(double peak_flops_per_s, double mem_bw_bytes_per_s, double intensity) noexcept;
// peak / bandwidth: the intensity where the two roofs meet, FLOP/B.
double ridge_point(double peak_flops_per_s, double mem_bw_bytes_per_s) noexcept;
// n / Σ 1/xᵢ; NaN for no values or one that is not positive.
double harmonic_mean(std::span<const double> values) noexcept;

// The ceilings of the whole job a roofline point is judged against: every
// rank does an op's work alike (one plan), so the ideal time of the summed
// work is the sum of the ranks' ideal times, whose rate is the harmonic
// mean of the ranks' rates.
struct JobCeiling {
  double peak_flops_per_s = 0;    // harmonic mean over ranks
  double mem_bw_bytes_per_s = 0;  // harmonic mean over ranks
  double ridge_flops_per_byte = 0;
  double op_overhead_s = 0;  // arithmetic mean over ranks; NaN when some rank lacks it
};
JobCeiling job_ceiling(std::span<const DeviceCeiling> devices) noexcept;

// A compute or memory op against the ranks' ceilings (`devices` empty: not
// calibrated, intensity and achieved rates only).
RooflinePoint device_op_roofline(const OpWork& work, std::span<const DeviceCeiling> devices);
// A comm op against its tier (`tier` null: not calibrated).
RooflinePoint comm_op_roofline(const OpWork& work, const TierCeiling* tier);
// Either, by the op's kind; an idle op gets no point (all empty, NaN).
RooflinePoint op_roofline(const OpWork& work, std::span<const DeviceCeiling> devices, const TierCeiling* tier);

}  // namespace flopwall
