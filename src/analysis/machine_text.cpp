#include "analysis/machine_text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>

#include "core/units.hpp"

namespace flopwall {
namespace {

std::string joined(const std::vector<std::string>& items, const char* sep = " ") {
  std::string s;
  for (const std::string& item : items) s += (s.empty() ? "" : sep) + item;
  return s.empty() ? "none" : s;
}

std::string mhz(double v) { return v > 0 ? fmt::format("{:.0f} MHz", v) : "not told"; }

std::string tri_state(int v, const char* on = "on", const char* off = "off") {
  return v < 0 ? "unknown" : v ? on : off;
}

std::string frequency_line(const CpuFrequency& f) {
  std::string s = f.nominal_mhz > 0 ? fmt::format("nominal {:.0f} MHz ({})", f.nominal_mhz, f.nominal_source)
                                    : "nominal not told";
  if (f.max_mhz > 0) s += fmt::format(", max {:.0f} MHz", f.max_mhz);
  s += ", current " + mhz(f.current_mhz);
  s += f.governor.empty() ? ", governor not told (no cpufreq)" : fmt::format(", governor {} ({})", f.governor, f.driver);
  return s;
}

std::string caches_line(const std::vector<CacheLevel>& caches) {
  std::vector<std::string> parts;
  for (const CacheLevel& c : caches) {
    const char* suffix = c.kind == "data" ? "d" : c.kind == "instruction" ? "i" : "";
    parts.push_back(fmt::format("L{}{} {} ×{}", c.level, suffix, units::bytes(static_cast<double>(c.size_bytes)),
                                c.instances));
  }
  return joined(parts, ", ");
}

std::string numa_line(const NodeInventory& n) {
  std::string s = units::bytes(static_cast<double>(n.memory_bytes));
  for (const NumaNode& numa : n.numa)
    s += fmt::format("; NUMA {}: {}, cpus {}", numa.os_index, units::bytes(static_cast<double>(numa.memory_bytes)),
                     numa.cpus);
  return s;
}

std::string blas_line(const BlasKernel& b) {
  if (b.chosen.empty()) return "not known";
  std::string s = fmt::format("{}: {} kernel ({})", b.library, b.chosen, b.chosen_isa);
  if (b.fallback) s += fmt::format(" FALLBACK: this CPU supports {} ({}); {}={} selects it", b.best, b.best_isa, b.selector, b.best);
  else s += ", the best this CPU supports";
  return s;
}

std::string mpi_line(const MpiTransports& m) {
  if (m.pml.empty() && m.btl.empty() && m.mtl.empty()) return "not known (not Open MPI)";
  return fmt::format("pml {}; btl {}; mtl {}", joined(m.pml, ","), joined(m.btl, ","), joined(m.mtl, ","));
}

std::string link_text(const NetworkLink& l) {
  std::string s = fmt::format("{} {} {}", l.name, l.kind, l.state);
  if (l.speed_mbps > 0) s += fmt::format(" {} Gb/s", static_cast<double>(l.speed_mbps) / 1000.0);
  if (l.numa_node >= 0) s += fmt::format(" NUMA {}", l.numa_node);
  return s;
}

std::string gpu_text(const GpuInventory& g) {
  return fmt::format(
      "{} (sm_{}{}, {} SMs): SM {}/{} MHz, {} {}-bit at {}/{} MHz, ECC {}, persistence {}, MIG {}, PCIe gen {}/{} "
      "x{}/{}, NUMA {}, {} active NVLinks{}",
      g.name, g.cc_major, g.cc_minor, g.sm_count < 0 ? std::string("?") : std::to_string(g.sm_count), g.sm_clock_mhz,
      g.sm_clock_max_mhz, units::bytes(static_cast<double>(g.memory_bytes)), g.memory_bus_width_bits, g.mem_clock_mhz,
      g.mem_clock_max_mhz, tri_state(g.ecc_enabled), tri_state(g.persistence_mode), tri_state(g.mig_mode), g.pcie_gen,
      g.pcie_gen_max, g.pcie_width, g.pcie_width_max, g.numa_node,
      std::count_if(g.nvlinks.begin(), g.nvlinks.end(), [](const NvLink& l) { return l.active; }),
      g.throttle_reasons.empty() ? "" : "; clocks held by " + joined(g.throttle_reasons, ","));
}

}  // namespace

std::string node_class_text(const NodeClass& c, int number, int of) {
  const NodeInventory& n = c.inventory;
  std::string s;
  auto out = std::back_inserter(s);
  fmt::format_to(out, "  node class {} of {}: {} node{} ({})\n", number, of, c.count, c.count == 1 ? "" : "s",
                 joined(c.hosts, ","));
  const auto line = [&](const char* label, const std::string& text) { fmt::format_to(out, "    {:<12} {}\n", label, text); };
  line("cpu", fmt::format("{} ({} {}): {} package{}, {} cores, {} hardware threads", n.cpu.model, n.cpu.vendor,
                          n.cpu.architecture, n.cpu.packages, n.cpu.packages == 1 ? "" : "s", n.cpu.cores,
                          n.cpu.hardware_threads));
  line("isa", joined(n.cpu.isa));
  line("frequency", frequency_line(n.cpu.frequency));
  line("caches", caches_line(n.cpu.caches));
  line("memory", numa_line(n));
  line("blas", blas_line(n.blas));
  line("mpi", mpi_line(n.mpi));
  std::vector<std::string> links;
  for (const NetworkLink& l : n.links) links.push_back(link_text(l));
  line("links", joined(links, ", "));
  for (const InfinibandPort& p : n.ib_ports)
    line("infiniband", fmt::format("{} port {} {} {} ({}), NUMA {}", p.device, p.port, p.state, p.rate, p.link_layer,
                                   p.numa_node));
  for (const PciDevice& d : n.pci)
    line("pci", fmt::format("{} {} {} {}, NUMA {}", d.bus_id, d.kind, d.vendor, d.name, d.numa_node));
  if (n.gpus.empty()) line("gpus", "none seen by NVML");
  for (const GpuInventory& g : n.gpus) line(fmt::format("gpu {}", g.index).c_str(), gpu_text(g));
  if (!n.gpu_topology.empty()) {
    std::string header = "    gpu topology";
    for (std::size_t j = 0; j < n.gpu_topology.size(); ++j) header += fmt::format(" {:>5}", fmt::format("GPU{}", j));
    s += header + "\n";
    for (std::size_t i = 0; i < n.gpu_topology.size(); ++i) {
      std::string row = fmt::format("    {:>12}", fmt::format("GPU{}", i));
      for (const std::string& cell : n.gpu_topology[i]) row += fmt::format(" {:>5}", cell);
      s += row + "\n";
    }
  }
  return s;
}

}  // namespace flopwall
