#pragma once
// What the job runs on, surveyed once at the start of `run`, `collectives`
// and `doctor`: each node's first rank reads its inventory (hwloc, /proc,
// sysfs, NVML, the MPI components it loaded, the BLAS kernel in use); nodes
// with identical hardware fold into one class (platform/machine_json.hpp).
#include <optional>
#include <string>
#include <vector>

#include "platform/machine_json.hpp"
#include "platform/mpi_environment.hpp"
#include "runtime/backends.hpp"

namespace flopwall {

// Rank 0's view; the other ranks' is empty (only rank 0 writes /meta and speaks).
struct MachineSurvey {
  std::vector<NodeClass> classes;
  std::string machine_json;  // machine_to_json(classes), as /meta machine_json stores it
  // The one line run and collectives print when `backend` computes on host
  // BLAS and some node runs a fallback kernel (platform/blas_warning.hpp).
  std::optional<std::string> blas_warning;
};

// This node's inventory, read now (not collective). `complete` (a backend's
// complete_inventory, or nullptr) adds what only the backend knows.
NodeInventory read_this_node(void (*complete)(NodeInventory&) = nullptr);

// Collective over MPI_COMM_WORLD, gathered on rank 0. `backend` completes
// each inventory (its complete_inventory) and says whether BLAS matters
// (host_blas). A node whose inventory cannot be read is described by its
// host name and the reason, never ends the job.
MachineSurvey survey_machine(const MpiEnvironment& mpi, const BackendEntry& backend);

}  // namespace flopwall
