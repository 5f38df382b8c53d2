#include "platform/blas_kernel.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <utility>

namespace flopwall {
namespace {

enum class Arch { x86_64, aarch64 };

struct Rung {
  std::string name;                // as gotoblas_corename() spells it
  std::string isa;                 // what the kernel is written for, for BlasKernel::*_isa
  int rank = 0;                    // by ISA: equal ISA, equal rank
  std::vector<std::string> needs;  // cpuinfo flags (see has_flag for the implied ones)
  std::vector<std::string> vendors;  // empty: any vendor
  OpenblasVersion added;           // first release whose DYNAMIC_ARCH table holds it
  Arch arch = Arch::x86_64;
};

// The ladder of blas_kernel.hpp; versions read from each release tag's
// driver/others/dynamic.c corename[] table (dynamic_arm64.c for aarch64).
const std::vector<Rung>& ladder() {
  static const std::vector<Rung> rungs = {
      {"Prescott", "SSE3", 1, {"sse3"}, {}, {0, 1, 0}},
      {"Core2", "SSSE3", 2, {"ssse3"}, {}, {0, 1, 0}},
      {"Penryn", "SSE4.1", 3, {"sse4_1"}, {}, {0, 1, 0}},
      {"Nehalem", "SSE4.2", 4, {"sse4_2"}, {}, {0, 1, 0}},
      {"Sandybridge", "AVX", 5, {"avx"}, {}, {0, 2, 3}},
      {"Haswell", "AVX2+FMA", 6, {"avx2", "fma"}, {}, {0, 2, 9}},
      // OpenBLAS gives Zen to AMD and Hygon CPUs only; on Intel Haswell is the
      // same ISA.
      {"Zen", "AVX2+FMA", 6, {"avx2", "fma"}, {"AuthenticAMD", "HygonGenuine"}, {0, 2, 20}},
      {"SkylakeX", "AVX-512", 7, {"avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"}, {}, {0, 3, 1}},
      {"Cooperlake", "AVX-512 BF16", 8,
       {"avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl", "avx512_bf16"}, {}, {0, 3, 11}},
      // Built with -march=sapphirerapids, so AVX512_FP16 too, besides the AMX
      // tiles its SBGEMM uses (dynamic.c selects it on support_amx_bf16()).
      {"SapphireRapids", "AMX BF16", 9,
       {"avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl", "avx512_bf16", "avx512_fp16", "amx_tile",
        "amx_bf16"},
       {}, {0, 3, 24}},
      // aarch64: only the two generic kernels; the core-specific ones are
      // chosen by MIDR part number, which the ISA flags do not tell.
      {"armv8", "ASIMD", 1, {"asimd"}, {}, {0, 3, 4}, Arch::aarch64},
      {"armv8sve", "SVE", 2, {"sve"}, {}, {0, 3, 24}, Arch::aarch64},
  };
  return rungs;
}

bool listed(const std::vector<std::string>& flags, std::string_view flag) {
  return std::find(flags.begin(), flags.end(), flag) != flags.end();
}

// The inventory records sse3 and avx but not the SSE4 flags between them, and
// /proc/cpuinfo spells SSE3 "pni": a later SSE flag, or avx, implies the
// earlier ones (every AVX CPU has SSE3 to SSE4.2).
bool has_flag(const CpuInventory& cpu, const std::string& flag) {
  static const std::vector<std::pair<std::string, std::vector<std::string>>> implied_by = {
      {"sse3", {"pni", "ssse3", "sse4_1", "sse4_2", "avx"}},
      {"ssse3", {"sse4_1", "sse4_2", "avx"}},
      {"sse4_1", {"sse4_2", "avx"}},
      {"sse4_2", {"avx"}},
  };
  if (listed(cpu.isa, flag)) return true;
  for (const auto& [implied, by] : implied_by)
    if (implied == flag)
      return std::any_of(by.begin(), by.end(), [&](const std::string& f) { return listed(cpu.isa, f); });
  return false;
}

bool runs_on(const Rung& rung, const CpuInventory& cpu) {
  return std::all_of(rung.needs.begin(), rung.needs.end(), [&](const std::string& f) { return has_flag(cpu, f); });
}

bool vendor_matches(const Rung& rung, const CpuInventory& cpu) {
  return rung.vendors.empty() || listed(rung.vendors, cpu.vendor);
}

std::optional<Arch> arch_of(const CpuInventory& cpu) {
  if (cpu.architecture == "x86_64") return Arch::x86_64;
  if (cpu.architecture == "aarch64") return Arch::aarch64;
  return std::nullopt;
}

const Rung* find_rung(std::string_view name) {
  for (const Rung& rung : ladder())
    if (same_kernel(rung.name, name)) return &rung;
  return nullptr;
}

// The rungs this CPU runs and this library has, best first; at equal rank
// the vendor's own kernel first.
std::vector<const Rung*> usable_rungs(const CpuInventory& cpu, Arch arch, std::optional<OpenblasVersion> version) {
  std::vector<const Rung*> usable;
  for (const Rung& rung : ladder()) {
    if (rung.arch != arch || !runs_on(rung, cpu) || !vendor_matches(rung, cpu)) continue;
    if (version && rung.added > *version) continue;
    usable.push_back(&rung);
  }
  std::stable_sort(usable.begin(), usable.end(), [](const Rung* a, const Rung* b) {
    if (a->rank != b->rank) return a->rank > b->rank;
    return !a->vendors.empty() && b->vendors.empty();
  });
  return usable;
}

// "OpenBLAS 0.3.21" from "OpenBLAS 0.3.21 NO_LAPACKE …": the name and the
// version word; "OpenBLAS" alone where config names no version.
std::string library_name(std::string_view config) {
  constexpr std::string_view prefix = "OpenBLAS ";
  if (config.substr(0, prefix.size()) != prefix) return "OpenBLAS";
  return std::string(config.substr(0, config.find(' ', prefix.size())));
}

}  // namespace

std::optional<OpenblasVersion> openblas_version(std::string_view config) {
  constexpr std::string_view prefix = "OpenBLAS ";
  if (config.substr(0, prefix.size()) != prefix) return std::nullopt;
  const char* p = config.data() + prefix.size();
  const char* end = config.data() + config.size();
  OpenblasVersion v;
  for (int* part : {&v.major, &v.minor, &v.patch}) {
    const auto [next, ec] = std::from_chars(p, end, *part);
    if (ec != std::errc()) return std::nullopt;
    p = next;
    if (part != &v.patch) {
      if (p == end || *p != '.') return std::nullopt;
      ++p;
    }
  }
  return v;
}

BlasKernel judge_openblas_kernel(std::string_view corename, std::string_view config, const CpuInventory& cpu) {
  BlasKernel kernel;
  kernel.library = library_name(config);
  kernel.config = std::string(config.substr(0, config.find_last_not_of(' ') + 1));  // the library pads it
  kernel.chosen = std::string(corename);
  kernel.selector = k_openblas_selector;
  const Rung* chosen = find_rung(corename);
  kernel.chosen_isa = chosen ? chosen->isa : "unknown";
  kernel.best = kernel.chosen;
  kernel.best_isa = kernel.chosen_isa;
  const auto version = openblas_version(config);
  if (!chosen || !version) return kernel;
  // The CPU's architecture where the inventory tells it, else the chosen
  // kernel's (a library only holds kernels of its own architecture).
  const Arch arch = arch_of(cpu).value_or(chosen->arch);
  if (arch != chosen->arch) return kernel;
  const auto usable = usable_rungs(cpu, arch, version);
  if (usable.empty() || usable.front()->rank <= chosen->rank) return kernel;
  kernel.best = usable.front()->name;
  kernel.best_isa = usable.front()->isa;
  kernel.fallback = true;
  return kernel;
}

std::vector<std::string> openblas_candidate_kernels(const CpuInventory& cpu, std::string_view config) {
  std::vector<std::string> names;
  const auto arch = arch_of(cpu);
  if (!arch) return names;
  for (const Rung* rung : usable_rungs(cpu, *arch, openblas_version(config))) names.push_back(rung->name);
  return names;
}

bool same_kernel(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace flopwall
