#pragma once
// What the job runs on, surveyed once at the start of `run`, `collectives`
// and `doctor`: each node's first rank reads its inventory (hwloc, /proc,
// sysfs, NVML, the MPI components it loaded, the BLAS kernel in use); nodes
// with identical hardware fold into one class (platform/machine_json.hpp).
#include <string>
#include <vector>

#include "platform/machine_json.hpp"
#include "platform/mpi_environment.hpp"

namespace flopwall {

struct MachineSurvey {
  std::vector<NodeClass> classes;  // the same on every rank
  std::string machine_json;        // machine_to_json(classes), as /meta machine_json stores it
  std::vector<NodeInventory> nodes;  // every node, in order of its first world rank
};

// This node's inventory, read now (not collective). `complete` (a backend's
// complete_inventory, or nullptr) adds what only the backend knows.
NodeInventory read_this_node(void (*complete)(NodeInventory&) = nullptr);

// Collective over MPI_COMM_WORLD. A node whose inventory cannot be read is
// described by its host name and the reason, never ends the job.
MachineSurvey survey_machine(const MpiEnvironment& mpi, void (*complete)(NodeInventory&) = nullptr);

}  // namespace flopwall
