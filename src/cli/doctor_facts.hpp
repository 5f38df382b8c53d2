#pragma once
// What `flopwall doctor` judges: every node's inventory and the result of its
// BLAS probe, every rank's placement (node, CPUs it may run on) and clock
// estimate, and the job's environment. Gathered once by a collective over
// the job (gather_doctor_facts); the checks (doctor_checks.hpp) are pure
// functions of it, so tests inject any condition by building one by hand.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "cli/blas_probe.hpp"
#include "core/key_values.hpp"
#include "platform/machine_inventory.hpp"
#include "platform/mpi_environment.hpp"

namespace flopwall {

struct NodeFacts {
  NodeInventory inventory;
  std::uint64_t memory_available_bytes = 0;  // MemAvailable when surveyed
  std::vector<BlasProbeResult> probe;        // empty when not probed (--probe-seconds 0, or not OpenBLAS)
};

struct RankPlacement {
  int rank = 0;
  int node = 0;        // index into DoctorFacts::nodes; -1 where its node did not report
  int local_rank = 0;  // index among its node's ranks
  std::vector<int> cpus;  // the OS CPUs this rank may run on (sched_getaffinity)
  std::int64_t clock_error_ns = 0;  // bound on its clock offset's error from rank 0 (clock_sync.hpp)
};

struct DoctorFacts {
  std::vector<NodeFacts> nodes;      // in order of their first rank
  std::vector<RankPlacement> ranks;  // in rank order
  KeyValues environment;             // rank 0's NCCL_*, OMPI_*, UCX_*, … (run_metadata.hpp)
};

// Collective over MPI_COMM_WORLD: rank 0 gets the whole job's facts, the
// others an empty DoctorFacts. `probe_seconds` > 0: each node's first rank
// times a GEMM on each candidate BLAS kernel in child processes of `exe`.
DoctorFacts gather_doctor_facts(const MpiEnvironment& mpi, const std::string& exe, double probe_seconds);

// A node's probe results as the doctor's JSON shows them (and its ranks send them).
nlohmann::json probe_to_json(const std::vector<BlasProbeResult>& probe);

// "0-3,8,10-11" → {0,1,2,3,8,10,11}; malformed pieces are skipped.
std::vector<int> parse_cpu_list(const std::string& list);

}  // namespace flopwall
