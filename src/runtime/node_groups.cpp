#include "runtime/node_groups.hpp"

#include <algorithm>
#include <cstdlib>
#include <vector>

#include "platform/mpi_check.hpp"

namespace flopwall {

NodeGroups make_node_groups(MPI_Comm world, const std::string& hostname) {
  NodeGroups g;
  int size = 1, rank = 0;
  FLOPWALL_MPI_CHECK(MPI_Comm_size(world, &size));
  FLOPWALL_MPI_CHECK(MPI_Comm_rank(world, &rank));
  const char* pretend = std::getenv("FLOPWALL_NODE");
  std::string identity;
  if (pretend && *pretend) {
    g.node_name = identity = pretend;
  } else {
    // The ranks that share memory with this one; the node is named after its
    // lowest world rank, which they all agree on.
    MPI_Comm shared = MPI_COMM_NULL;
    FLOPWALL_MPI_CHECK(MPI_Comm_split_type(world, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL, &shared));
    const MpiComm node(shared);
    int leader = rank;
    FLOPWALL_MPI_CHECK(MPI_Allreduce(&rank, &leader, 1, MPI_INT, MPI_MIN, node.get()));
    identity = "shared-memory node of rank " + std::to_string(leader);
    g.node_name = hostname;
  }

  // Every rank learns every rank's node identity; a node's index is the order
  // in which its first rank appears, so all ranks agree on it.
  const std::vector<std::string> names = allgather_strings(world, identity);
  std::vector<std::string> distinct;
  for (const auto& n : names)
    if (std::find(distinct.begin(), distinct.end(), n) == distinct.end()) distinct.push_back(n);
  g.nodes = static_cast<int>(distinct.size());
  g.node_index = static_cast<int>(std::find(distinct.begin(), distinct.end(), identity) - distinct.begin());
  int local_index = 0;
  for (int r = 0; r < rank; ++r) local_index += names[static_cast<std::size_t>(r)] == identity ? 1 : 0;

  g.local_index = local_index;
  g.intra = split_comm(world, g.node_index, rank);
  g.inter = split_comm(world, local_index, rank);
  return g;
}

}  // namespace flopwall
