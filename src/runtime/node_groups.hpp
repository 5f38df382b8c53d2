#pragma once
// Ranks grouped by node, for per-tier measurements: `intra` groups hold the
// ranks of one node, `inter` groups one rank per node (same local index).
// A node is what MPI_COMM_TYPE_SHARED says, unless FLOPWALL_NODE names one:
// then ranks with equal FLOPWALL_NODE values form a node, so tests (and
// oversubscribed runs) can pretend to have several.
#include <mpi.h>

#include <string>

#include "platform/mpi_environment.hpp"

namespace flopwall {

struct NodeGroups {
  MpiComm intra;      // this rank's node
  MpiComm inter;      // this rank's local index across nodes
  int nodes = 1;      // distinct nodes in the job
  int node_index = 0; // this rank's node, 0..nodes−1 in order of first world rank
  int local_index = 0; // this rank's index within its node
  std::string node_name;  // FLOPWALL_NODE, else the host name
};

// Collective over `world`; `hostname` names this rank's node unless
// FLOPWALL_NODE is set.
NodeGroups make_node_groups(MPI_Comm world, const std::string& hostname);

}  // namespace flopwall
