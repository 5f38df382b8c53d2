#include "cli/doctor_checks.hpp"

namespace flopwall {

std::string_view severity_name(Severity s) noexcept {
  switch (s) {
    case Severity::info: return "info";
    case Severity::warning: return "warning";
    case Severity::error: return "error";
  }
  return "info";
}

const std::vector<DoctorCheck>& doctor_checks() {
  static const std::vector<DoctorCheck> checks{
      {"blas_kernel", "the BLAS kernel in use against the best the CPU supports, and a GEMM probe of each candidate",
       check_blas_kernel},
      {"cpu_governor", "the CPU frequency governor is 'performance'", check_cpu_governor},
      {"rank_binding", "ranks bound to their own cores, within one NUMA node, near the fabric's ports; SMT",
       check_rank_binding},
      {"memory_headroom", "MemAvailable against MemTotal on every node", check_memory_headroom},
      {"mpi_transport", "Open MPI's loaded transports: shared memory within a node, no TCP where a fabric is up",
       check_mpi_transport},
      {"clock_offset", "the error bound of every rank's clock offset from rank 0", check_clock_offset},
      {"node_uniformity", "nodes of one job have identical hardware", check_node_uniformity},
      {"gpu_clocks", "no GPU clock held down (thermal, power, hardware slowdown, application clocks)",
       check_gpu_clocks},
      {"gpu_ecc_persistence", "ECC and persistence mode on, MIG noted", check_gpu_ecc_persistence},
      {"gpu_pcie", "every GPU's PCIe link at its full width", check_gpu_pcie},
      {"gpu_binding", "each rank's CPUs on its GPU's NUMA node", check_gpu_binding},
      {"nccl_transport", "no NCCL setting that forces sockets or disables NVLink where they exist",
       check_nccl_transport},
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
