// The OpenBLAS kernel ladder: which kernel is a fallback on which CPU, in
// which library version. CPUs are made-up inventories; no OpenBLAS is loaded
// and nothing here sets OPENBLAS_CORETYPE.
#include <gtest/gtest.h>

#include <algorithm>

#include "platform/blas_kernel.hpp"

namespace flopwall {
namespace {

constexpr const char* k_config_0321 = "OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH NO_AFFINITY Cooperlake MAX_THREADS=64";
constexpr const char* k_config_0328 = "OpenBLAS 0.3.28 DYNAMIC_ARCH NO_AFFINITY SapphireRapids MAX_THREADS=128";

CpuInventory x86_cpu(const char* vendor, std::vector<std::string> isa) {
  CpuInventory cpu;
  cpu.vendor = vendor;
  cpu.architecture = "x86_64";
  cpu.isa = std::move(isa);
  return cpu;
}

// This project's VM: AMD EPYC Zen 4, AVX-512 with BF16, no FP16, no AMX.
CpuInventory zen4() {
  return x86_cpu("AuthenticAMD", {"sse3", "avx", "fma", "avx2", "avx512f", "avx512cd", "avx512bw", "avx512dq",
                                  "avx512vl", "avx512_vnni", "avx512_bf16"});
}

CpuInventory skylake_x() {
  return x86_cpu("GenuineIntel",
                 {"sse3", "avx", "fma", "avx2", "avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"});
}

CpuInventory sapphire_rapids() {
  CpuInventory cpu = skylake_x();
  for (const char* f : {"avx512_vnni", "avx512_bf16", "avx512_fp16", "amx_tile", "amx_bf16", "amx_int8"})
    cpu.isa.push_back(f);
  return cpu;
}

TEST(OpenblasVersion, ReadFromConfig) {
  EXPECT_EQ(openblas_version(k_config_0321), (OpenblasVersion{0, 3, 21}));
  EXPECT_EQ(openblas_version("OpenBLAS 0.3.26.dev DYNAMIC_ARCH"), (OpenblasVersion{0, 3, 26}));
  EXPECT_FALSE(openblas_version("NO_LAPACKE DYNAMIC_ARCH"));
  EXPECT_FALSE(openblas_version("OpenBLAS x.y"));
  EXPECT_FALSE(openblas_version(""));
}

TEST(JudgeOpenblasKernel, PrescottOnCooperlakeCpuIsAFallback) {
  const BlasKernel k = judge_openblas_kernel("Prescott", k_config_0321, zen4());
  EXPECT_TRUE(k.fallback);
  EXPECT_EQ(k.chosen, "Prescott");
  EXPECT_EQ(k.chosen_isa, "SSE3");
  EXPECT_EQ(k.best, "Cooperlake");
  EXPECT_EQ(k.best_isa, "AVX-512 BF16");
  EXPECT_EQ(k.selector, "OPENBLAS_CORETYPE");
  EXPECT_EQ(k.library, "OpenBLAS 0.3.21");
  EXPECT_EQ(k.config, k_config_0321);
  // openblas_get_config() ends with a space; the inventory keeps none.
  EXPECT_EQ(judge_openblas_kernel("Prescott", std::string(k_config_0321) + " ", zen4()).config, k_config_0321);
}

TEST(JudgeOpenblasKernel, CooperlakeOnItsOwnCpuIsNoFallback) {
  const BlasKernel k = judge_openblas_kernel("Cooperlake", k_config_0321, zen4());
  EXPECT_FALSE(k.fallback);
  EXPECT_EQ(k.best, "Cooperlake");
  EXPECT_EQ(k.best_isa, k.chosen_isa);
}

TEST(JudgeOpenblasKernel, NamesCompareCaseInsensitively) {
  const BlasKernel k = judge_openblas_kernel("prescott", k_config_0321, zen4());
  EXPECT_TRUE(k.fallback);
  EXPECT_EQ(k.chosen, "prescott");  // as the library spelled it
  EXPECT_EQ(k.chosen_isa, "SSE3");
  EXPECT_FALSE(judge_openblas_kernel("COOPERLAKE", k_config_0321, zen4()).fallback);
}

TEST(JudgeOpenblasKernel, SkylakeXWithoutBf16IsNoFallback) {
  const BlasKernel k = judge_openblas_kernel("SkylakeX", k_config_0321, skylake_x());
  EXPECT_FALSE(k.fallback);
  EXPECT_EQ(k.best, "SkylakeX");
  EXPECT_EQ(k.chosen_isa, "AVX-512");
}

TEST(JudgeOpenblasKernel, SapphireRapidsOnlyWhereTheLibraryHasIt) {
  // 0.3.21 has no SapphireRapids kernel: Cooperlake is the best it offers.
  const BlasKernel old_library = judge_openblas_kernel("Cooperlake", k_config_0321, sapphire_rapids());
  EXPECT_FALSE(old_library.fallback);
  EXPECT_EQ(old_library.best, "Cooperlake");
  // 0.3.24 added it to DYNAMIC_ARCH.
  const BlasKernel new_library = judge_openblas_kernel("Cooperlake", k_config_0328, sapphire_rapids());
  EXPECT_TRUE(new_library.fallback);
  EXPECT_EQ(new_library.best, "SapphireRapids");
  EXPECT_EQ(new_library.best_isa, "AMX BF16");
  // Not on a CPU without AMX, whatever the version.
  EXPECT_FALSE(judge_openblas_kernel("Cooperlake", k_config_0328, zen4()).fallback);
}

TEST(JudgeOpenblasKernel, HaswellAndZenAreTheSameRank) {
  const CpuInventory zen2 = x86_cpu("AuthenticAMD", {"sse3", "avx", "fma", "avx2"});
  const BlasKernel haswell = judge_openblas_kernel("Haswell", k_config_0321, zen2);
  EXPECT_FALSE(haswell.fallback);
  EXPECT_EQ(haswell.best, "Haswell");
  EXPECT_FALSE(judge_openblas_kernel("Zen", k_config_0321, zen2).fallback);
  // Sandybridge on the same CPU is a fallback, and the vendor's kernel is the best.
  const BlasKernel sandybridge = judge_openblas_kernel("Sandybridge", k_config_0321, zen2);
  EXPECT_TRUE(sandybridge.fallback);
  EXPECT_EQ(sandybridge.best, "Zen");
  // On Intel the best AVX2 kernel is Haswell.
  const CpuInventory intel = x86_cpu("GenuineIntel", {"sse3", "avx", "fma", "avx2"});
  EXPECT_EQ(judge_openblas_kernel("Nehalem", k_config_0321, intel).best, "Haswell");
}

TEST(JudgeOpenblasKernel, KernelsNewerThanTheLibraryAreNotOffered) {
  // 0.3.0 had no SkylakeX: Zen is the best it has for a Zen 4.
  const BlasKernel k = judge_openblas_kernel("Prescott", "OpenBLAS 0.3.0 DYNAMIC_ARCH", zen4());
  EXPECT_TRUE(k.fallback);
  EXPECT_EQ(k.best, "Zen");
}

TEST(JudgeOpenblasKernel, UnknownNamesAreNotJudged) {
  for (const char* name : {"NEOVERSEN1", "Bulldozer", "Atom", "", "SomethingNew"}) {
    const BlasKernel k = judge_openblas_kernel(name, k_config_0321, zen4());
    EXPECT_FALSE(k.fallback) << name;
    EXPECT_EQ(k.chosen_isa, "unknown") << name;
    EXPECT_EQ(k.best, name) << name;
  }
  // A config without a version: the kernel is named, but not judged.
  const BlasKernel no_version = judge_openblas_kernel("Prescott", "DYNAMIC_ARCH", zen4());
  EXPECT_FALSE(no_version.fallback);
  EXPECT_EQ(no_version.library, "OpenBLAS");
  EXPECT_EQ(no_version.chosen_isa, "SSE3");
}

TEST(JudgeOpenblasKernel, Aarch64GenericKernelOnSve) {
  CpuInventory graviton3;
  graviton3.architecture = "aarch64";
  graviton3.isa = {"asimd", "sve", "bf16", "i8mm"};
  const BlasKernel k = judge_openblas_kernel("armv8", k_config_0328, graviton3);
  EXPECT_TRUE(k.fallback);
  EXPECT_EQ(k.best, "armv8sve");
  EXPECT_FALSE(judge_openblas_kernel("armv8", k_config_0321, graviton3).fallback);  // before armv8sve
  EXPECT_FALSE(judge_openblas_kernel("neoversev1", k_config_0328, graviton3).fallback);
  // An x86 kernel name on an aarch64 CPU is not judged against its ladder.
  EXPECT_FALSE(judge_openblas_kernel("Prescott", k_config_0328, graviton3).fallback);
}

TEST(OpenblasCandidateKernels, BestFirstWithinTheLibrary) {
  EXPECT_EQ(openblas_candidate_kernels(zen4(), k_config_0321),
            (std::vector<std::string>{"Cooperlake", "SkylakeX", "Zen", "Haswell", "Sandybridge", "Nehalem", "Penryn",
                                      "Core2", "Prescott"}));
  const auto spr = openblas_candidate_kernels(sapphire_rapids(), k_config_0328);
  ASSERT_FALSE(spr.empty());
  EXPECT_EQ(spr.front(), "SapphireRapids");
  EXPECT_EQ(std::count(spr.begin(), spr.end(), "Zen"), 0);  // Intel: no Zen
  EXPECT_EQ(openblas_candidate_kernels(sapphire_rapids(), k_config_0321).front(), "Cooperlake");
  // /proc/cpuinfo's own spelling of SSE3, and nothing else.
  EXPECT_EQ(openblas_candidate_kernels(x86_cpu("GenuineIntel", {"pni"}), k_config_0321),
            (std::vector<std::string>{"Prescott"}));
  CpuInventory unknown_arch;
  EXPECT_TRUE(openblas_candidate_kernels(unknown_arch, k_config_0321).empty());
}

}  // namespace
}  // namespace flopwall
