// read_node_inventory and relevant_isa (node_inventory.hpp): hwloc's topology
// joined with /proc/cpuinfo, /proc/meminfo, uname and the sysfs readers.
#include "platform/node_inventory.hpp"

#include <sys/utsname.h>
#include <unistd.h>

#include <array>
#include <climits>
#include <sstream>
#include <string_view>
#include <unordered_set>

#include "platform/cpuinfo.hpp"
#include "platform/host_info.hpp"
#include "platform/hwloc_inventory.hpp"
#include "platform/sysfs_text.hpp"

namespace flopwall {
namespace {

// machine_inventory.hpp's list: the extensions that decide GEMM speed per dtype.
constexpr std::array<std::string_view, 21> k_relevant_isa = {
    "sse3",        "avx",         "fma",         "avx2",     "avx512f",  "avx512cd", "avx512bw",
    "avx512dq",    "avx512vl",    "avx512_vnni", "avx512_bf16", "avx512_fp16", "amx_tile", "amx_bf16",
    "amx_int8",    "asimd",       "sve",         "sve2",     "bf16",     "i8mm",     "sme"};

std::string host_name() {
  char name[HOST_NAME_MAX + 1] = {};
  if (gethostname(name, sizeof name) != 0) return "";
  name[HOST_NAME_MAX] = '\0';
  return name;
}

std::string machine_architecture() {
  utsname names{};
  return uname(&names) == 0 ? names.machine : "";
}

std::string first_of(const std::string& a, const std::string& b, const std::string& c) {
  return !a.empty() ? a : !b.empty() ? b : c;
}

}  // namespace

std::vector<std::string> relevant_isa(std::string_view flags_line) {
  // The whole "flags\t\t: fpu …" line or only its value.
  if (const auto colon = flags_line.find(':'); colon != std::string_view::npos) flags_line.remove_prefix(colon + 1);
  std::unordered_set<std::string> flags;
  std::istringstream words{std::string(flags_line)};
  for (std::string word; words >> word;) flags.insert(word);
  std::vector<std::string> isa;
  for (const std::string_view name : k_relevant_isa) {
    const bool present = flags.count(std::string(name)) > 0 || (name == "sse3" && flags.count("pni") > 0);
    if (present) isa.emplace_back(name);
  }
  return isa;
}

NodeInventory read_node_inventory(const InventoryRoots& roots) {
  const HwlocInventory topology = read_hwloc_inventory();
  const CpuinfoFields cpuinfo = parse_cpuinfo(read_text_file(roots.proc + "/cpuinfo"));

  NodeInventory node;
  node.hostname = host_name();
  CpuInventory& cpu = node.cpu;
  // aarch64 has no "model name": hwloc's CPUModel (from the device tree or
  // MIDR), else the undecoded "CPU part".
  cpu.model = first_of(cpuinfo.model_name, topology.cpu_model, cpuinfo.part);
  cpu.vendor = first_of(cpuinfo.vendor_id, topology.cpu_vendor, cpuinfo.implementer);
  cpu.architecture = machine_architecture();
  cpu.packages = topology.packages;
  cpu.cores = topology.cores;
  cpu.hardware_threads = topology.hardware_threads;
  cpu.isa = relevant_isa(cpuinfo.flags);
  cpu.caches = topology.caches;
  cpu.frequency = read_cpu_frequency(roots, cpu.model, cpuinfo.mean_mhz);

  node.memory_bytes = meminfo_bytes("MemTotal", roots.proc);
  node.numa = topology.numa;
  node.pci = topology.pci;
  node.links = read_network_links(roots);
  node.ib_ports = read_infiniband_ports(roots);
  return node;
}

}  // namespace flopwall
