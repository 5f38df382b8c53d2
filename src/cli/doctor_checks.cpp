#include "cli/doctor_checks.hpp"

#include <algorithm>

namespace flopwall {

std::string_view severity_name(Severity s) noexcept {
  switch (s) {
    case Severity::info: return "info";
    case Severity::warning: return "warning";
    case Severity::error: return "error";
  }
  return "info";
}

namespace {

bool has_gpus(const DoctorFacts& facts) {
  for (const NodeFacts& n : facts.nodes)
    if (!n.inventory.gpus.empty()) return true;
  return false;
}

bool knows_open_mpi_transports(const DoctorFacts& facts) {
  for (const NodeFacts& n : facts.nodes) {
    const MpiTransports& m = n.inventory.mpi;
    if (!m.pml.empty() || !m.btl.empty() || !m.mtl.empty()) return true;
  }
  return false;
}

bool has_openblas(const DoctorFacts& facts) {
  for (const NodeFacts& n : facts.nodes)
    if (!n.inventory.blas.chosen.empty()) return true;
  return false;
}

bool has_cpufreq(const DoctorFacts& facts) {
  for (const NodeFacts& n : facts.nodes)
    if (!n.inventory.cpu.frequency.governor.empty()) return true;
  return false;
}

bool several_nodes(const DoctorFacts& facts) { return facts.nodes.size() > 1; }

}  // namespace

std::string_view check_status(const DoctorCheck& check, const DoctorFacts& facts, const std::vector<Finding>& findings) {
  if (std::any_of(findings.begin(), findings.end(), [&](const Finding& f) { return f.check == check.name; }))
    return "findings";
  if (check.applies && !check.applies(facts)) return "not applicable";
  return "passed";
}

const std::vector<DoctorCheck>& doctor_checks() {
  static const std::vector<DoctorCheck> checks{
      {"blas_kernel", "the BLAS kernel in use against the best the CPU supports, and a GEMM probe of each candidate",
       check_blas_kernel, has_openblas},
      {"cpu_governor", "the CPU frequency governor is 'performance'", check_cpu_governor, has_cpufreq},
      {"rank_binding", "ranks bound to their own cores, within one NUMA node, near the fabric's ports; SMT",
       check_rank_binding},
      {"memory_headroom", "MemAvailable against MemTotal on every node", check_memory_headroom},
      {"mpi_transport", "Open MPI's loaded transports: shared memory within a node, no TCP where a fabric is up",
       check_mpi_transport, knows_open_mpi_transports},
      {"clock_offset", "the error bound of every rank's clock offset from rank 0", check_clock_offset},
      {"node_uniformity", "nodes of one job have identical hardware", check_node_uniformity, several_nodes},
      {"gpu_clocks", "no GPU clock held down (thermal, power, hardware slowdown, application clocks)",
       check_gpu_clocks, has_gpus},
      {"gpu_ecc_persistence", "ECC and persistence mode on, MIG noted", check_gpu_ecc_persistence, has_gpus},
      {"gpu_pcie", "every GPU's PCIe link at its full width", check_gpu_pcie, has_gpus},
      {"gpu_binding", "each rank's CPUs on its GPU's NUMA node", check_gpu_binding, has_gpus},
      {"nccl_transport", "no NCCL setting that forces sockets or disables NVLink where they exist",
       check_nccl_transport, has_gpus},
  };
  return checks;
}

std::vector<Finding> run_doctor_checks(const DoctorFacts& facts) {
  std::vector<Finding> all;
  for (const DoctorCheck& check : doctor_checks())
    for (Finding& f : check.run(facts)) {
      f.check = check.name;
      all.push_back(std::move(f));
    }
  return all;
}

}  // namespace flopwall
