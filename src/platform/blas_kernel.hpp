#pragma once
// Whether OpenBLAS runs the best kernel this CPU could run. A DYNAMIC_ARCH
// OpenBLAS picks its kernel from CPUID at load time; under a hypervisor that
// hides the CPU model it falls back to an older one (measured on one of this
// project's VMs: 1024³ sgemm, 1 thread, 28 GFLOP/s with Prescott against 123
// with Cooperlake), silently. These pure functions compare the kernel in use
// (openblas_get_corename()) with the best one the CPU's ISA supports in the
// library's version (openblas_get_config()); they link no OpenBLAS.
//
// The ladder, with the OpenBLAS version whose DYNAMIC_ARCH corename table in
// driver/others/dynamic.c (dynamic_arm64.c) first holds each kernel (read
// from the OpenMathLib/OpenBLAS release tags) and the cpuinfo flags it needs:
//   x86-64   Prescott     SSE3              0.1.0
//            Core2        SSSE3             0.1.0
//            Penryn       SSE4.1            0.1.0
//            Nehalem      SSE4.2            0.1.0
//            Sandybridge  AVX               0.2.3
//            Haswell      AVX2+FMA          0.2.9
//            Zen          AVX2+FMA (AMD)    0.2.20   same rank as Haswell
//            SkylakeX     AVX-512 F/CD/BW/DQ/VL  0.3.1
//            Cooperlake   + AVX512_BF16     0.3.11
//            SapphireRapids + AMX BF16, AVX512_FP16  0.3.24 (a TARGET since
//                         0.3.19, in DYNAMIC_ARCH from 0.3.24: Changelog.txt)
//   aarch64  armv8        ASIMD (generic)   0.3.4
//            armv8sve     SVE (generic)     0.3.24
// Other names (Atom, Bulldozer, …; aarch64's core-specific neoversen1,
// thunderx2t99, …) are not ranked: judged "unknown", never a fallback.
//
// Selecting a kernel with OPENBLAS_CORETYPE has its own history: up to 0.3.21
// force_coretype() stops one short of "Cooperlake" (fixed in 0.3.22, PR
// #3806), and in the sources of October 2024 (after 0.3.28) still one short
// of "SapphireRapids". A name it does not accept ("Core not found", shown
// with OPENBLAS_VERBOSE=2) gets the feature-based choice of
// gotoblas_dynamic_init(): AVX512_BF16 → Cooperlake, AVX-512 → SkylakeX,
// AVX2 → Haswell, AVX → Sandybridge, else Prescott. So on 0.3.21 with
// AVX512_BF16, OPENBLAS_CORETYPE=Cooperlake does end in Cooperlake, by that
// route. Hence the doctor's probe (cli/blas_probe.hpp) checks which kernel
// a child really got.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "platform/machine_inventory.hpp"

namespace flopwall {

// Whether two kernel names name the same kernel: case-insensitively, as
// some OpenBLAS versions report them in lower case ("haswell").
bool same_kernel(std::string_view a, std::string_view b);

// The environment variable that selects a DYNAMIC_ARCH kernel.
inline constexpr const char* k_openblas_selector = "OPENBLAS_CORETYPE";

struct OpenblasVersion {
  int major = 0, minor = 0, patch = 0;
  auto operator<=>(const OpenblasVersion&) const = default;
};

// The version openblas_get_config() names ("OpenBLAS 0.3.21 NO_LAPACKE …");
// nullopt when it names none.
std::optional<OpenblasVersion> openblas_version(std::string_view config);

// Judges the kernel OpenBLAS chose against the best one this CPU's ISA
// supports in this library version. Names compare case-insensitively (some
// versions spell them in lower case). An unknown name, or a config without
// a version, is not judged: best = chosen, fallback = false.
BlasKernel judge_openblas_kernel(std::string_view corename, std::string_view config, const CpuInventory& cpu);

// The kernels worth trying on this CPU, best first (for the doctor's probe):
// every ladder kernel its ISA supports and the library's version has (every
// one the ISA supports when config names no version); at equal rank the
// CPU's own vendor's kernel first (Zen before Haswell on AMD).
std::vector<std::string> openblas_candidate_kernels(const CpuInventory& cpu, std::string_view config);

}  // namespace flopwall
