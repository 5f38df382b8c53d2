// The doctor's GPU and NCCL checks (doctor_checks.hpp), from NVML's
// description of each node's GPUs and the job's NCCL_* environment.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>

#include "backend/device_binding.hpp"
#include "cli/doctor_checks.hpp"
#include "cli/doctor_facts.hpp"

namespace flopwall {
namespace {

std::string gpu_where(const NodeInventory& n, const GpuInventory& g) {
  return fmt::format("GPU {} ({}) on {}", g.index, g.pci_bus_id, n.hostname);
}

bool is_one_of(const std::string& reason, std::initializer_list<const char*> names) {
  return std::find(names.begin(), names.end(), reason) != names.end();
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

}  // namespace

std::vector<Finding> check_gpu_clocks(const DoctorFacts& facts) {
  std::vector<Finding> out;
  for (const NodeFacts& n : facts.nodes)
    for (const GpuInventory& g : n.inventory.gpus) {
      std::vector<std::string> held;
      bool hardware = false;
      for (const std::string& r : g.throttle_reasons) {
        if (r == "gpu_idle") continue;  // an idle GPU lowers its clocks; not a fault
        held.push_back(r);
        hardware = hardware || is_one_of(r, {"hw_slowdown", "hw_thermal_slowdown", "hw_power_brake_slowdown",
                                             "sw_thermal_slowdown"});
      }
      if (held.empty()) continue;
      out.push_back({.severity = hardware ? Severity::error : Severity::warning, .where = gpu_where(n.inventory, g),
                     .message = fmt::format("clocks held down by {} (SM {} of {} MHz)", fmt::join(held, ", "),
                                            g.sm_clock_mhz, g.sm_clock_max_mhz),
                     .fix = hardware ? "check cooling and power delivery (nvidia-smi -q -d PERFORMANCE,TEMPERATURE)"
                                     : "reset application clocks and power limits (nvidia-smi -rac; nvidia-smi -pl)"});
    }
  return out;
}

std::vector<Finding> check_gpu_ecc_persistence(const DoctorFacts& facts) {
  std::vector<Finding> out;
  for (const NodeFacts& n : facts.nodes)
    for (const GpuInventory& g : n.inventory.gpus) {
      if (g.ecc_enabled == 0)
        out.push_back({.severity = Severity::warning, .where = gpu_where(n.inventory, g),
                       .message = "ECC is off: memory errors go undetected, and its capacity and bandwidth differ "
                                  "from ECC-on nodes'",
                       .fix = "nvidia-smi -e 1 (as root), then reboot the GPU"});
      if (g.persistence_mode == 0)
        out.push_back({.severity = Severity::warning, .where = gpu_where(n.inventory, g),
                       .message = "persistence mode is off: the driver tears the GPU down between jobs, and every "
                                  "start pays its initialisation",
                       .fix = "nvidia-smi -pm 1 (as root), or run nvidia-persistenced"});
      if (g.mig_mode == 1)
        out.push_back({.severity = Severity::info, .where = gpu_where(n.inventory, g),
                       .message = "MIG is on: a rank sees one GPU instance, not the whole GPU",
                       .fix = "nvidia-smi -mig 0 for whole-GPU figures"});
    }
  return out;
}

std::vector<Finding> check_gpu_pcie(const DoctorFacts& facts) {
  std::vector<Finding> out;
  for (const NodeFacts& n : facts.nodes)
    for (const GpuInventory& g : n.inventory.gpus) {
      if (g.pcie_width > 0 && g.pcie_width_max > 0 && g.pcie_width < g.pcie_width_max)
        out.push_back({.severity = Severity::error, .where = gpu_where(n.inventory, g),
                       .message = fmt::format("PCIe link trained at x{} of x{}: host transfers run at a fraction "
                                              "of their speed",
                                              g.pcie_width, g.pcie_width_max),
                       .fix = "reseat the GPU or its riser; check the slot (lspci -vv: LnkSta against LnkCap)"});
      else if (g.pcie_gen > 0 && g.pcie_gen_max > 0 && g.pcie_gen < g.pcie_gen_max)
        out.push_back({.severity = Severity::info, .where = gpu_where(n.inventory, g),
                       .message = fmt::format("PCIe link at gen {} of {} (an idle GPU lowers it; under load it should "
                                              "reach gen {})",
                                              g.pcie_gen, g.pcie_gen_max, g.pcie_gen_max),
                       .fix = "if it stays low under load: check the slot and BIOS PCIe settings"});
    }
  return out;
}

std::vector<Finding> check_gpu_binding(const DoctorFacts& facts) {
  std::vector<Finding> out;
  for (const RankPlacement& r : facts.ranks) {
    if (r.node < 0 || r.node >= static_cast<int>(facts.nodes.size())) continue;
    const NodeInventory& n = facts.nodes[static_cast<std::size_t>(r.node)].inventory;
    if (n.gpus.empty() || n.numa.size() < 2) continue;
    const GpuInventory& g = n.gpus[static_cast<std::size_t>(
        device_for_local_rank(r.local_rank, static_cast<int>(n.gpus.size())))];
    if (g.numa_node < 0) continue;
    const auto numa = std::find_if(n.numa.begin(), n.numa.end(), [&](const NumaNode& x) { return x.os_index == g.numa_node; });
    if (numa == n.numa.end()) continue;
    const std::vector<int> local = parse_cpu_list(numa->cpus);
    const bool near = std::all_of(r.cpus.begin(), r.cpus.end(),
                                  [&](int c) { return std::find(local.begin(), local.end(), c) != local.end(); });
    if (!near)
      out.push_back({.severity = Severity::warning, .where = fmt::format("rank {} on {}", r.rank, n.hostname),
                     .message = fmt::format("it drives GPU {} on NUMA node {}, but may run on CPUs outside it: its "
                                            "host copies cross the socket link",
                                            g.index, g.numa_node),
                     .fix = "bind each rank to its GPU's NUMA node (srun --cpu-bind=ldoms --gpu-bind=closest, or a "
                            "rankfile)"});
  }
  return out;
}

std::vector<Finding> check_nccl_transport(const DoctorFacts& facts) {
  bool ib_active = false, nvlink_active = false;
  for (const NodeFacts& n : facts.nodes) {
    for (const InfinibandPort& p : n.inventory.ib_ports) ib_active = ib_active || p.state == "ACTIVE";
    for (const GpuInventory& g : n.inventory.gpus)
      for (const NvLink& l : g.nvlinks) nvlink_active = nvlink_active || l.active;
  }
  std::vector<Finding> out;
  const auto set_to = [&](const char* name, const char* value) {
    const std::string* set = find_value(facts.environment, name);
    return set && lower(*set) == value;
  };
  if (ib_active && (set_to("NCCL_IB_DISABLE", "1") || set_to("NCCL_NET", "socket")))
    out.push_back({.severity = Severity::error, .where = "job environment",
                   .message = "NCCL is told to use sockets (NCCL_IB_DISABLE=1 or NCCL_NET=Socket) although an "
                              "InfiniBand port is ACTIVE",
                   .fix = "unset NCCL_IB_DISABLE and NCCL_NET"});
  if (nvlink_active && (set_to("NCCL_P2P_DISABLE", "1") || set_to("NCCL_P2P_LEVEL", "loc")))
    out.push_back({.severity = Severity::error, .where = "job environment",
                   .message = "NCCL peer-to-peer is disabled (NCCL_P2P_DISABLE=1 or NCCL_P2P_LEVEL=LOC) although "
                              "the GPUs have active NVLinks",
                   .fix = "unset NCCL_P2P_DISABLE and NCCL_P2P_LEVEL"});
  if (set_to("NCCL_SHM_DISABLE", "1"))
    out.push_back({.severity = Severity::warning, .where = "job environment",
                   .message = "NCCL_SHM_DISABLE=1: ranks of a node without peer access talk through the network",
                   .fix = "unset NCCL_SHM_DISABLE"});
  return out;
}

}  // namespace flopwall
