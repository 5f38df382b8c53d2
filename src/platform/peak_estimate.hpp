#pragma once
// Theoretical peak FLOP/s of a CPU or a GPU, per dtype: the ceiling a GEMM's
// measured rate is read against. Estimates, never measurements: each comes
// with its formula, every input spelled out, so a reader can check it and
// see what was assumed (peak_estimate.cpp gives the sources).
#include <optional>
#include <string>
#include <vector>

#include "platform/machine_inventory.hpp"

namespace flopwall {

struct PeakEstimate {
  std::string dtype;         // as flopwall spells it: fp64, fp32, tf32, fp16, bf16, fp8
  double flops_per_s = 0.0;
  std::string formula;       // "estimate: <inputs> = <result>"
};

// CPU: cores × nominal MHz × FMA lanes of the widest vector the ISA has ×
// FMA units per core (2, assumed) × 2 FLOP per FMA, for fp64 and fp32; bf16
// where AVX512_BF16 or AMX-BF16, fp16 where AVX512_FP16 or AMX-FP16.
// `cores` is how many cores the figure is for (a rank's BLAS threads, or a
// node's cores). Empty where the nominal frequency is unknown (0) or the
// architecture is neither x86_64 nor aarch64.
std::vector<PeakEstimate> cpu_peak_estimates(const CpuInventory& cpu, int cores);

// GPU: dense tensor-core rates (tf32, fp16, bf16, fp8; fp64 where the SM has
// FP64 tensor cores) and vector rates (fp32; fp64 otherwise), from a table of
// FLOP per clock per SM keyed by compute capability, × sm_count × the SM
// clock (the measured sm_clock_mhz, else sm_clock_max_mhz). Empty where the
// compute capability is not in the table or sm_count or both clocks are -1.
std::vector<PeakEstimate> gpu_peak_estimates(const GpuInventory& gpu);

// Theoretical memory bandwidth in bytes/s where the platform tells it:
// 2 (double data rate) × mem_clock_max_mhz × memory_bus_width_bits / 8;
// nullopt where either is unknown.
std::optional<double> gpu_memory_bandwidth_estimate(const GpuInventory& gpu);

}  // namespace flopwall
