#include "platform/peak_estimate.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <string_view>

#include "core/units.hpp"

namespace flopwall {
namespace {

bool has(const CpuInventory& cpu, std::string_view flag) {
  return std::find(cpu.isa.begin(), cpu.isa.end(), flag) != cpu.isa.end();
}

// The widest vector the ISA has, in bits, and its name for the formula.
struct Vector {
  int bits = 0;
  std::string name;
};

std::optional<Vector> widest_vector(const CpuInventory& cpu) {
  if (cpu.architecture == "x86_64") {
    if (has(cpu, "avx512f")) return Vector{512, "AVX-512"};
    if (has(cpu, "avx")) return Vector{256, has(cpu, "avx2") ? "AVX2" : "AVX"};
    return Vector{128, "SSE2"};  // every x86-64 CPU has SSE2
  }
  // SVE's vector length is not in the inventory; ASIMD's 128 bits is the
  // floor every aarch64 CPU has, so the figure is a lower bound with SVE.
  if (cpu.architecture == "aarch64") return Vector{128, has(cpu, "sve") ? "ASIMD; SVE length unknown" : "ASIMD"};
  return std::nullopt;
}

// One CPU figure: cores × MHz × lanes × per-lane FLOP per cycle.
struct CpuTerms {
  int cores = 0;
  double mhz = 0.0;
  std::string mhz_source;
  std::string per_cycle;  // the per-lane (or per-core, for AMX) factors, spelled out
  std::string caveat;     // appended where the assumption is known to overstate
};

PeakEstimate cpu_figure(const std::string& dtype, const CpuTerms& t, double per_core_per_cycle,
                        const std::string& lanes_text) {
  const double rate = t.cores * t.mhz * 1e6 * per_core_per_cycle;
  return {dtype, rate,
          fmt::format("estimate: {} core{} × {:g} MHz nominal ({}) × {} × {} = {}{}", t.cores, t.cores == 1 ? "" : "s", t.mhz, t.mhz_source,
                      lanes_text, t.per_cycle, units::flop_rate(rate), t.caveat)};
}

// FLOP per clock per SM, dense (no 2:4 sparsity), by compute capability.
// Sources: NVIDIA's architecture whitepapers, each total divided by its
// SMs × the clock it was quoted at:
//   sm_70 Volta V100 (80 SMs, 1530 MHz): fp64 7.8, fp32 15.7, fp16 tensor 125 TFLOP/s.
//   sm_75 Turing (Quadro RTX 6000, 72 SMs, 1770 MHz): fp32 16.3, fp16 tensor 130.5;
//         fp64 is 1/32 of fp32.
//   sm_80 A100 (108 SMs, 1410 MHz): fp64 9.7, fp64 tensor 19.5, fp32 19.5,
//         tf32 156, fp16/bf16 312.
//   sm_86 GA102 (A40, 84 SMs, 1740 MHz): fp32 37.4, tf32 74.8, fp16/bf16 149.7;
//         fp64 1/64 of fp32.
//   sm_89 Ada AD102 (RTX 6000 Ada, 142 SMs, 2505 MHz): fp32 91.1, tf32 182.1,
//         fp16/bf16 364.2, fp8 728.5; fp64 1/64 of fp32.
//   sm_90 H100 SXM5 (132 SMs): tensor figures at 1830 MHz (tf32 494.7,
//         fp16/bf16 989.4, fp8 1978.9), vector ones at 1980 MHz (fp64 33.5,
//         fp64 tensor 66.9, fp32 66.9).
//   sm_100 B200 (148 SMs): NVIDIA publishes no per-SM table; the HGX B200
//         datasheet's dense totals (tf32 1.1, fp16/bf16 2.25, fp8 4.5
//         PFLOP/s) are twice Hopper's tensor rate per SM at the 1.86 GHz
//         tensor clock spec sheets give; fp32 75 and fp64 37.5 TFLOP/s are
//         Hopper's vector rates at 1.98 GHz (FP64 tensor cores: the same
//         128 per clock, hmc-tech.com's B200 sheet: 35.2 TFLOP/s at 1.86).
//   sm_120 Blackwell GB202 (RTX 5090, 170 SMs, 2407 MHz): fp32 104.8, fp16
//         tensor (fp16 accumulate) 419, fp8 838; fp64 1/64 of fp32.
// Boards sold as GeForce (sm_75, 86, 89, 120) run tensor math with fp32
// accumulation, as flopwall's GEMMs use, at half the rate listed here.
struct SmRates {
  int cc_major, cc_minor;
  double fp64, fp32, tf32, fp16, bf16, fp8;  // 0: the SM has no tensor-core path for the dtype
  bool fp64_tensor;                          // fp64 is the FP64 tensor-core rate
  bool geforce_halves;                       // GeForce boards halve fp32-accumulate tensor rates
};

constexpr SmRates k_sm_rates[] = {
    {7, 0, 64, 128, 0, 1024, 0, 0, false, false},
    {7, 5, 4, 128, 0, 1024, 0, 0, false, true},
    {8, 0, 128, 128, 1024, 2048, 2048, 0, true, false},
    {8, 6, 4, 256, 512, 1024, 1024, 0, false, true},
    {8, 9, 4, 256, 512, 1024, 1024, 2048, false, true},
    {9, 0, 256, 256, 2048, 4096, 4096, 8192, true, false},
    {10, 0, 128, 256, 4096, 8192, 8192, 16384, true, false},
    {12, 0, 4, 256, 512, 1024, 1024, 2048, false, true},
};

}  // namespace

std::vector<PeakEstimate> cpu_peak_estimates(const CpuInventory& cpu, int cores) {
  std::vector<PeakEstimate> out;
  const auto vector = widest_vector(cpu);
  if (cpu.frequency.nominal_mhz <= 0.0 || cores <= 0 || !vector) return out;
  // NEON's FMLA and x86's FMA3 fuse; without FMA3 (before Haswell) an add and
  // a multiply pipe give the same 2 FLOP per lane per cycle, from one of each.
  const bool fma = cpu.architecture == "aarch64" || has(cpu, "fma") || has(cpu, "avx512f");
  CpuTerms t{cores, cpu.frequency.nominal_mhz,
             cpu.frequency.nominal_source.empty() ? std::string("source unknown") : cpu.frequency.nominal_source,
             fma ? "2 FMA units per core (assumed) × 2 FLOP per FMA"
                 : "1 add + 1 multiply unit per core (assumed) × 1 FLOP each",
             ""};
  // The assumption overstates Zen 4 (AMD's first AVX-512 core) twofold: it
  // runs a 512-bit operation as two 256-bit halves. Zen 5 server cores do not.
  if (cpu.vendor == "AuthenticAMD" && vector->bits == 512)
    t.caveat = " (an upper bound: Zen 4 runs a 512-bit operation as two 256-bit halves, so half this there)";
  const double per_lane = fma ? 4.0 : 2.0;  // FLOP per lane per cycle, as t.per_cycle says
  const double fp64_lanes = vector->bits / 64.0, fp32_lanes = vector->bits / 32.0;
  const auto lanes = [&](double n, const char* dtype) {
    return fmt::format("{:g} {} lanes ({}-bit {})", n, dtype, vector->bits, vector->name);
  };
  out.push_back(cpu_figure("fp64", t, fp64_lanes * per_lane, lanes(fp64_lanes, "fp64")));
  out.push_back(cpu_figure("fp32", t, fp32_lanes * per_lane, lanes(fp32_lanes, "fp32")));
  // AMX: one TMUL per core does 1024 bf16 (or fp16) multiply-adds a cycle,
  // Intel's figure for Sapphire Rapids (2048 for int8).
  if (has(cpu, "amx_bf16")) {
    CpuTerms amx = t;
    amx.per_cycle = "2 FLOP per FMA";
    amx.caveat.clear();
    out.push_back(cpu_figure("bf16", amx, 1024 * 2.0, "1024 bf16 FMAs per cycle per core (AMX TMUL)"));
  } else if (has(cpu, "avx512_bf16")) {
    // VDPBF16PS: a pair of bf16 products summed into each fp32 lane.
    out.push_back(cpu_figure("bf16", t, fp32_lanes * 2 * per_lane,
                             lanes(fp32_lanes, "fp32") + " × 2 bf16 products per lane (AVX512_BF16 VDPBF16PS)"));
  }
  if (has(cpu, "amx_fp16")) {
    CpuTerms amx = t;
    amx.per_cycle = "2 FLOP per FMA";
    amx.caveat.clear();
    out.push_back(cpu_figure("fp16", amx, 1024 * 2.0, "1024 fp16 FMAs per cycle per core (AMX TMUL)"));
  } else if (has(cpu, "avx512_fp16")) {
    const double fp16_lanes = vector->bits / 16.0;
    out.push_back(cpu_figure("fp16", t, fp16_lanes * per_lane, lanes(fp16_lanes, "fp16") + " (AVX512_FP16)"));
  }
  return out;
}

std::vector<PeakEstimate> gpu_peak_estimates(const GpuInventory& gpu) {
  std::vector<PeakEstimate> out;
  const int mhz = gpu.sm_clock_mhz > 0 ? gpu.sm_clock_mhz : gpu.sm_clock_max_mhz;
  if (gpu.sm_count <= 0 || mhz <= 0) return out;
  const SmRates* rates = nullptr;
  for (const SmRates& r : k_sm_rates)
    if (r.cc_major == gpu.cc_major && r.cc_minor == gpu.cc_minor) rates = &r;
  if (!rates) return out;
  const std::string clock = fmt::format("{} MHz ({})", mhz,
                                        gpu.sm_clock_mhz > 0 ? "sm_clock_mhz, measured" : "sm_clock_max_mhz");
  const auto add = [&](const char* dtype, double per_sm, const char* unit, bool tensor) {
    if (per_sm <= 0) return;
    const double rate = gpu.sm_count * (mhz * 1e6) * per_sm;
    const char* halves = tensor && rates->geforce_halves ? "; GeForce boards: half, with fp32 accumulation" : "";
    out.push_back({dtype, rate,
                   fmt::format("estimate: {} SMs × {} × {:g} dense {} FLOP per clock per SM (sm_{}{} {}) = {}{}",
                               gpu.sm_count, clock, per_sm, dtype, rates->cc_major, rates->cc_minor, unit,
                               units::flop_rate(rate), halves)});
  };
  add("fp64", rates->fp64, rates->fp64_tensor ? "FP64 tensor cores" : "FP64 units", rates->fp64_tensor);
  add("fp32", rates->fp32, "FP32 units", false);
  add("tf32", rates->tf32, "tensor cores", true);
  add("fp16", rates->fp16, "tensor cores", true);
  add("bf16", rates->bf16, "tensor cores", true);
  add("fp8", rates->fp8, "tensor cores", true);
  return out;
}

std::optional<double> gpu_memory_bandwidth_estimate(const GpuInventory& gpu) {
  if (gpu.mem_clock_max_mhz <= 0 || gpu.memory_bus_width_bits <= 0) return std::nullopt;
  return 2.0 * gpu.mem_clock_max_mhz * 1e6 * gpu.memory_bus_width_bits / 8.0;
}

}  // namespace flopwall
