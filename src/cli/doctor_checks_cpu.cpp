// The doctor's CPU, memory, MPI and clock checks (doctor_checks.hpp).
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <set>

#include "cli/doctor_checks.hpp"
#include "core/units.hpp"
#include "platform/blas_kernel.hpp"
#include "platform/machine_json.hpp"

namespace flopwall {
namespace {

std::string node_name(const NodeFacts& n) { return "node " + n.inventory.hostname; }

std::string cpu_list_text(const std::vector<int>& cpus) {
  std::string s;
  for (std::size_t i = 0; i < cpus.size();) {
    std::size_t j = i;
    while (j + 1 < cpus.size() && cpus[j + 1] == cpus[j] + 1) ++j;
    s += (s.empty() ? "" : ",") + (i == j ? std::to_string(cpus[i]) : fmt::format("{}-{}", cpus[i], cpus[j]));
    i = j + 1;
  }
  return s.empty() ? "none" : s;
}

const BlasProbeResult* probe_of(const NodeFacts& n, const std::string& kernel) {
  for (const BlasProbeResult& p : n.probe)
    if (p.available && same_kernel(p.kernel, kernel)) return &p;
  return nullptr;
}

// The probe's pick (blas_probe.hpp: ties within 5% go to the better-ranked kernel).
const BlasProbeResult* fastest_correct_probe(const NodeFacts& n) {
  const std::optional<std::string> pick = fastest_correct(n.probe);
  return pick ? probe_of(n, *pick) : nullptr;
}

bool has_any(const std::vector<std::string>& list, std::initializer_list<const char*> names) {
  return std::any_of(list.begin(), list.end(),
                     [&](const std::string& x) { return std::find(names.begin(), names.end(), x) != names.end(); });
}

// The NUMA nodes whose CPUs `cpus` touch.
std::set<int> numa_nodes_of(const NodeInventory& node, const std::vector<int>& cpus) {
  std::set<int> out;
  for (const NumaNode& numa : node.numa) {
    const std::vector<int> mine = parse_cpu_list(numa.cpus);
    if (std::any_of(cpus.begin(), cpus.end(), [&](int c) { return std::find(mine.begin(), mine.end(), c) != mine.end(); }))
      out.insert(numa.os_index);
  }
  return out;
}

}  // namespace

std::vector<Finding> check_blas_kernel(const DoctorFacts& facts) {
  std::vector<Finding> out;
  for (const NodeFacts& n : facts.nodes) {
    const BlasKernel& b = n.inventory.blas;
    if (b.chosen.empty()) continue;
    const BlasProbeResult* chosen = probe_of(n, b.chosen);
    const BlasProbeResult* fastest = fastest_correct_probe(n);
    const auto measured = [&](const BlasProbeResult* p) {
      return p ? fmt::format("{} measured {}", p->kernel, units::flop_rate(p->flops_per_s)) : std::string();
    };
    if (b.fallback) {
      const std::string pick = fastest ? fastest->kernel : b.best;
      out.push_back({.severity = Severity::error, .where = node_name(n),
                     .message = fmt::format("{} runs its {} kernel ({}); this CPU supports {} ({}){}", b.library,
                                            b.chosen, b.chosen_isa, b.best, b.best_isa,
                                            fastest ? fmt::format(" — 1-thread sgemm probe: {}, {}", measured(chosen),
                                                                  measured(fastest))
                                                    : ""),
                     .fix = fmt::format("export {}={} in the job's environment (the fastest kernel that computed the "
                                        "probe's GEMM correctly)",
                                        b.selector, pick)});
    } else if (chosen && fastest && !same_kernel(fastest->kernel, b.chosen) &&
               fastest->flops_per_s > k_blas_faster_ratio * chosen->flops_per_s) {
      out.push_back({.severity = Severity::warning, .where = node_name(n),
                     .message = fmt::format("{} is the best kernel by ISA, but {} is {:.0f}% faster on this CPU ({}, {})",
                                            b.chosen, fastest->kernel,
                                            100.0 * (fastest->flops_per_s / chosen->flops_per_s - 1.0),
                                            measured(chosen), measured(fastest)),
                     .fix = fmt::format("export {}={}", b.selector, fastest->kernel)});
    }
    for (const BlasProbeResult& p : n.probe)
      if (p.available && !p.correct)
        out.push_back({.severity = Severity::warning, .where = node_name(n),
                       .message = fmt::format("the {} kernel computed the probe's GEMM wrongly (max relative error {:.2g})",
                                              p.kernel, p.max_rel_error),
                       .fix = fmt::format("do not select {}={}", b.selector, p.kernel)});
  }
  return out;
}

std::vector<Finding> check_cpu_governor(const DoctorFacts& facts) {
  std::vector<Finding> out;
  for (const NodeFacts& n : facts.nodes) {
    const std::string& g = n.inventory.cpu.frequency.governor;
    if (!g.empty() && g != "performance")
      out.push_back({.severity = Severity::warning, .where = node_name(n),
                     .message = fmt::format("the CPU frequency governor is '{}' ({}): clocks follow the load, so the "
                                            "first iterations and short ops run slower",
                                            g, n.inventory.cpu.frequency.driver),
                     .fix = "cpupower frequency-set -g performance (as root), or ask the cluster's administrators"});
  }
  return out;
}

std::vector<Finding> check_rank_binding(const DoctorFacts& facts) {
  std::vector<Finding> out;
  for (std::size_t node = 0; node < facts.nodes.size(); ++node) {
    const NodeInventory& inv = facts.nodes[node].inventory;
    std::vector<const RankPlacement*> ranks;
    for (const RankPlacement& r : facts.ranks)
      if (r.node == static_cast<int>(node)) ranks.push_back(&r);
    for (std::size_t i = 0; i < ranks.size(); ++i)
      for (std::size_t j = i + 1; j < ranks.size(); ++j) {
        std::vector<int> shared;
        std::set_intersection(ranks[i]->cpus.begin(), ranks[i]->cpus.end(), ranks[j]->cpus.begin(),
                              ranks[j]->cpus.end(), std::back_inserter(shared));
        if (shared.empty()) continue;
        out.push_back({.severity = Severity::warning, .where = node_name(facts.nodes[node]),
                       .message = fmt::format("ranks {} and {} may run on the same CPUs ({}): they compete for cores "
                                              "and the OS moves them",
                                              ranks[i]->rank, ranks[j]->rank, cpu_list_text(shared)),
                       .fix = "bind each rank to its own cores: mpirun --bind-to core, or srun --cpu-bind=cores"});
      }
    if (inv.numa.size() > 1)
      for (const RankPlacement* r : ranks)
        if (const std::set<int> spans = numa_nodes_of(inv, r->cpus); spans.size() > 1)
          out.push_back({.severity = Severity::warning, .where = fmt::format("rank {} on {}", r->rank, inv.hostname),
                         .message = fmt::format("rank {} may run on CPUs of {} NUMA nodes: its memory may be remote",
                                                r->rank, spans.size()),
                         .fix = "bind ranks within a NUMA node: mpirun --bind-to core --map-by numa"});
    // The fabric: a rank whose CPUs touch none of the NUMA nodes its node's
    // active InfiniBand ports hang off sends every message across the socket link.
    std::set<int> port_numa;
    for (const InfinibandPort& p : inv.ib_ports)
      if (p.state == "ACTIVE" && p.numa_node >= 0) port_numa.insert(p.numa_node);
    if (inv.numa.size() > 1 && !port_numa.empty())
      for (const RankPlacement* r : ranks) {
        const std::set<int> mine = numa_nodes_of(inv, r->cpus);
        if (std::none_of(mine.begin(), mine.end(), [&](int n) { return port_numa.count(n) > 0; }))
          out.push_back({.severity = Severity::warning, .where = fmt::format("rank {} on {}", r->rank, inv.hostname),
                         .message = fmt::format("rank {} runs on NUMA node {} but the node's active InfiniBand ports "
                                                "hang off NUMA node {}: its messages cross the socket link",
                                                r->rank, fmt::join(mine, ","), fmt::join(port_numa, ",")),
                         .fix = "bind ranks near their NIC (srun --cpu-bind=ldoms with a NIC per socket, or a "
                                "rankfile), or pick the NIC with UCX_NET_DEVICES"});
      }
    if (inv.cpu.hardware_threads > inv.cpu.cores && inv.cpu.cores > 0)
      out.push_back({.severity = Severity::info, .where = node_name(facts.nodes[node]),
                     .message = fmt::format("SMT is on: {} hardware threads on {} cores; two ranks on one core share "
                                            "its FMA units",
                                            inv.cpu.hardware_threads, inv.cpu.cores),
                     .fix = "bind ranks to cores, not hardware threads (mpirun --bind-to core)"});
  }
  return out;
}

std::vector<Finding> check_memory_headroom(const DoctorFacts& facts) {
  std::vector<Finding> out;
  for (const NodeFacts& n : facts.nodes) {
    const double total = static_cast<double>(n.inventory.memory_bytes);
    if (total <= 0) continue;
    const double fraction = static_cast<double>(n.memory_available_bytes) / total;
    if (fraction >= k_memory_warning_fraction) continue;
    out.push_back({.severity = fraction < k_memory_error_fraction ? Severity::error : Severity::warning,
                   .where = node_name(n),
                   .message = fmt::format("{} of {} memory available ({:.0f}%)", units::bytes(n.memory_available_bytes),
                                          units::bytes(total), 100.0 * fraction),
                   .fix = "find what else runs on the node (another job, a leaked process, a full tmpfs)"});
  }
  return out;
}

std::vector<Finding> check_mpi_transport(const DoctorFacts& facts) {
  std::vector<Finding> out;
  bool fabric_up = false;
  for (const NodeFacts& n : facts.nodes)
    for (const InfinibandPort& p : n.inventory.ib_ports) fabric_up = fabric_up || p.state == "ACTIVE";
  for (std::size_t node = 0; node < facts.nodes.size(); ++node) {
    const NodeFacts& n = facts.nodes[node];
    const MpiTransports& m = n.inventory.mpi;
    if (m.pml.empty() && m.btl.empty() && m.mtl.empty()) continue;  // not Open MPI: nothing known
    const bool byte_transfer = has_any(m.pml, {"ob1"});
    const long ranks_here = std::count_if(facts.ranks.begin(), facts.ranks.end(),
                                          [&](const RankPlacement& r) { return r.node == static_cast<int>(node); });
    if (byte_transfer && ranks_here > 1 && !has_any(m.btl, {"vader", "sm", "smcuda"}))
      out.push_back({.severity = Severity::error, .where = node_name(n),
                     .message = fmt::format("{} ranks of this node talk through btl {}: no shared-memory transport "
                                            "is loaded",
                                            ranks_here, fmt::join(m.btl, ",")),
                     .fix = "let Open MPI load its shared-memory btl: drop the --mca btl / OMPI_MCA_btl restriction, "
                            "or add vader to it"});
    if (facts.nodes.size() > 1 && fabric_up && byte_transfer && m.mtl.empty() &&
        !has_any(m.btl, {"openib", "uct", "ofi", "usnic"}))
      out.push_back({.severity = Severity::error, .where = node_name(n),
                     .message = fmt::format("MPI between nodes goes over TCP (pml ob1, btl {}) although an InfiniBand "
                                            "port is ACTIVE",
                                            fmt::join(m.btl, ",")),
                     .fix = "use UCX: OMPI_MCA_pml=ucx (an Open MPI built with UCX), or enable the fabric's btl"});
  }
  return out;
}

std::vector<Finding> check_clock_offset(const DoctorFacts& facts) {
  const auto worst = std::max_element(facts.ranks.begin(), facts.ranks.end(), [](const auto& a, const auto& b) {
    return a.clock_error_ns < b.clock_error_ns;
  });
  if (worst == facts.ranks.end() || worst->clock_error_ns <= k_clock_warning_ns) return {};
  return {{.severity = worst->clock_error_ns > k_clock_error_ns ? Severity::error : Severity::warning,
           .where = fmt::format("rank {}", worst->rank),
           .message = fmt::format("its clock offset from rank 0 is known only to ±{}: skews and tail latencies "
                                  "below that are not resolved",
                                  units::seconds(static_cast<double>(worst->clock_error_ns) / 1e9)),
           .fix = "find what delays small messages between the ranks (a congested or TCP path, oversubscribed cores)"}};
}

std::vector<Finding> check_node_uniformity(const DoctorFacts& facts) {
  std::vector<NodeInventory> nodes;
  for (const NodeFacts& n : facts.nodes) nodes.push_back(n.inventory);
  const std::vector<NodeClass> classes = group_node_classes(nodes);
  if (classes.size() <= 1) return {};
  std::vector<Finding> out;
  const nlohmann::json first = hardware_identity(classes.front().inventory);
  for (std::size_t i = 1; i < classes.size(); ++i) {
    const nlohmann::json diff = nlohmann::json::diff(first, hardware_identity(classes[i].inventory));
    std::vector<std::string> paths;
    for (const auto& op : diff)
      if (paths.size() < 6) paths.push_back(op.value("path", ""));
    out.push_back({.severity = Severity::warning,
                   .where = fmt::format("{} node{} ({})", classes[i].count, classes[i].count == 1 ? "" : "s",
                                        fmt::join(classes[i].hosts, ",")),
                   .message = fmt::format("hardware differs from {}'s: {}", classes.front().hosts.front(),
                                          fmt::join(paths, ", ")),
                   .fix = "run on nodes of one kind, or compare per node class (the report prints each)"});
  }
  return out;
}

}  // namespace flopwall
