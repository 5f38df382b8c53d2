// Theoretical peaks: hand-computed figures for made-up CPUs, and the GPU
// table against the figures NVIDIA's whitepapers quote.
#include <gtest/gtest.h>

#include <map>

#include "platform/peak_estimate.hpp"

namespace flopwall {
namespace {

std::map<std::string, PeakEstimate> by_dtype(const std::vector<PeakEstimate>& estimates) {
  std::map<std::string, PeakEstimate> out;
  for (const PeakEstimate& e : estimates) out[e.dtype] = e;
  return out;
}

CpuInventory cpu_with(const char* vendor, double mhz, std::vector<std::string> isa) {
  CpuInventory cpu;
  cpu.vendor = vendor;
  cpu.architecture = "x86_64";
  cpu.frequency.nominal_mhz = mhz;
  cpu.frequency.nominal_source = "base_frequency";
  cpu.isa = std::move(isa);
  return cpu;
}

TEST(CpuPeakEstimates, Avx512WithBf16) {
  const auto peaks = by_dtype(cpu_peak_estimates(
      cpu_with("GenuineIntel", 2000, {"avx", "fma", "avx2", "avx512f", "avx512_bf16"}), 4));
  ASSERT_EQ(peaks.size(), 3u);
  // 4 cores × 2.0 GHz × 8 fp64 lanes × 2 FMA units × 2 FLOP.
  EXPECT_DOUBLE_EQ(peaks.at("fp64").flops_per_s, 256e9);
  EXPECT_DOUBLE_EQ(peaks.at("fp32").flops_per_s, 512e9);
  EXPECT_DOUBLE_EQ(peaks.at("bf16").flops_per_s, 1024e9);
  const std::string& formula = peaks.at("fp64").formula;
  EXPECT_EQ(formula.rfind("estimate: ", 0), 0u) << formula;
  for (const char* word : {"4 cores", "2000 MHz", "base_frequency", "8 fp64 lanes", "512-bit", "assumed", "256 GFLOP/s"})
    EXPECT_NE(formula.find(word), std::string::npos) << word << " not in " << formula;
}

TEST(CpuPeakEstimates, Avx2AndOlder) {
  const auto avx2 = by_dtype(cpu_peak_estimates(cpu_with("GenuineIntel", 3000, {"avx", "fma", "avx2"}), 8));
  ASSERT_EQ(avx2.size(), 2u);
  EXPECT_DOUBLE_EQ(avx2.at("fp64").flops_per_s, 8 * 3e9 * 4 * 2 * 2);  // 384 GFLOP/s
  EXPECT_DOUBLE_EQ(avx2.at("fp32").flops_per_s, 768e9);
  // AVX without FMA: one add and one multiply per lane per cycle.
  const auto avx = by_dtype(cpu_peak_estimates(cpu_with("GenuineIntel", 2500, {"sse3", "avx"}), 4));
  EXPECT_DOUBLE_EQ(avx.at("fp64").flops_per_s, 4 * 2.5e9 * 4 * 2);  // 80 GFLOP/s
  EXPECT_NE(avx.at("fp64").formula.find("1 add + 1 multiply"), std::string::npos);
}

TEST(CpuPeakEstimates, AmxAndFp16) {
  const auto peaks = by_dtype(cpu_peak_estimates(
      cpu_with("GenuineIntel", 2000, {"avx", "fma", "avx2", "avx512f", "avx512_bf16", "avx512_fp16", "amx_bf16"}), 2));
  EXPECT_DOUBLE_EQ(peaks.at("bf16").flops_per_s, 2 * 2e9 * 1024 * 2);  // AMX: 8.19 TFLOP/s
  EXPECT_NE(peaks.at("bf16").formula.find("AMX"), std::string::npos);
  EXPECT_DOUBLE_EQ(peaks.at("fp16").flops_per_s, 2 * 2e9 * 32 * 2 * 2);  // 32 fp16 lanes
}

TEST(CpuPeakEstimates, AmdAvx512IsFlaggedAsAnUpperBound) {
  const auto peaks =
      by_dtype(cpu_peak_estimates(cpu_with("AuthenticAMD", 2450, {"avx", "fma", "avx2", "avx512f"}), 2));
  EXPECT_NE(peaks.at("fp32").formula.find("upper bound"), std::string::npos);
}

TEST(CpuPeakEstimates, NoEstimateWithoutAFrequency) {
  EXPECT_TRUE(cpu_peak_estimates(cpu_with("GenuineIntel", 0, {"avx", "fma", "avx2"}), 4).empty());
  EXPECT_TRUE(cpu_peak_estimates(cpu_with("GenuineIntel", 2000, {"avx"}), 0).empty());
  CpuInventory riscv = cpu_with("", 2000, {});
  riscv.architecture = "riscv64";
  EXPECT_TRUE(cpu_peak_estimates(riscv, 4).empty());
}

GpuInventory gpu(int major, int minor, int sms, int mhz, int max_mhz) {
  GpuInventory g;
  g.cc_major = major;
  g.cc_minor = minor;
  g.sm_count = sms;
  g.sm_clock_mhz = mhz;
  g.sm_clock_max_mhz = max_mhz;
  return g;
}

TEST(GpuPeakEstimates, A100AndH100MatchTheWhitepapers) {
  const auto a100 = by_dtype(gpu_peak_estimates(gpu(8, 0, 108, 1410, 1410)));
  EXPECT_NEAR(a100.at("bf16").flops_per_s, 312e12, 312e12 * 0.01);
  EXPECT_NEAR(a100.at("fp16").flops_per_s, 312e12, 312e12 * 0.01);
  EXPECT_NEAR(a100.at("tf32").flops_per_s, 156e12, 156e12 * 0.01);
  EXPECT_NEAR(a100.at("fp64").flops_per_s, 19.5e12, 19.5e12 * 0.01);  // FP64 tensor cores
  EXPECT_NEAR(a100.at("fp32").flops_per_s, 19.5e12, 19.5e12 * 0.01);
  EXPECT_EQ(a100.count("fp8"), 0u);
  const auto h100 = by_dtype(gpu_peak_estimates(gpu(9, 0, 132, 1830, 1980)));
  EXPECT_NEAR(h100.at("bf16").flops_per_s, 989e12, 989e12 * 0.01);
  EXPECT_NEAR(h100.at("fp8").flops_per_s, 1979e12, 1979e12 * 0.01);
  EXPECT_NEAR(h100.at("tf32").flops_per_s, 494.7e12, 494.7e12 * 0.01);
  const std::string& formula = h100.at("bf16").formula;
  for (const char* word : {"estimate: ", "132 SMs", "1830 MHz", "measured", "4096", "sm_90"})
    EXPECT_NE(formula.find(word), std::string::npos) << word << " not in " << formula;
}

TEST(GpuPeakEstimates, ClockAndCountFallbacks) {
  // No measured clock: the maximum.
  const auto h100 = by_dtype(gpu_peak_estimates(gpu(9, 0, 132, -1, 1830)));
  EXPECT_NEAR(h100.at("bf16").flops_per_s, 989e12, 989e12 * 0.01);
  EXPECT_NE(h100.at("bf16").formula.find("sm_clock_max_mhz"), std::string::npos);
  EXPECT_TRUE(gpu_peak_estimates(gpu(9, 0, -1, 1830, 1980)).empty());
  EXPECT_TRUE(gpu_peak_estimates(gpu(9, 0, 132, -1, -1)).empty());
  EXPECT_TRUE(gpu_peak_estimates(gpu(6, 1, 28, 1500, 1500)).empty());  // not in the table
  // GeForce parts are flagged where their rate halves.
  const auto ada = by_dtype(gpu_peak_estimates(gpu(8, 9, 142, 2505, 2505)));
  EXPECT_NEAR(ada.at("fp8").flops_per_s, 728.5e12, 728.5e12 * 0.01);
  EXPECT_NE(ada.at("bf16").formula.find("GeForce"), std::string::npos);
}

TEST(GpuMemoryBandwidth, DoubleDataRateTimesBusWidth) {
  GpuInventory h100 = gpu(9, 0, 132, 1830, 1980);
  h100.mem_clock_max_mhz = 2619;
  h100.memory_bus_width_bits = 5120;
  ASSERT_TRUE(gpu_memory_bandwidth_estimate(h100));
  EXPECT_NEAR(*gpu_memory_bandwidth_estimate(h100), 3.35e12, 3.35e12 * 0.01);  // H100 SXM: 3.35 TB/s
  h100.memory_bus_width_bits = -1;
  EXPECT_FALSE(gpu_memory_bandwidth_estimate(h100));
}

}  // namespace
}  // namespace flopwall
