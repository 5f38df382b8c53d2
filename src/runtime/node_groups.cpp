#include "runtime/node_groups.hpp"

#include <algorithm>
#include <cstdlib>
#include <vector>

#include "runtime/mpi_check.hpp"

namespace flopwall {

NodeGroups make_node_groups(MPI_Comm world, const std::string& hostname) {
  NodeGroups g;
  const char* pretend = std::getenv("FLOPWALL_NODE");
  g.node_name = pretend && *pretend ? pretend : hostname;

  // Every rank learns every rank's node name; a node's index is the order in
  // which its first rank appears, so all ranks agree on it.
  int size = 1, rank = 0;
  FLOPWALL_MPI_CHECK(MPI_Comm_size(world, &size));
  FLOPWALL_MPI_CHECK(MPI_Comm_rank(world, &rank));
  constexpr int k_name = 256;
  std::vector<char> mine(k_name, '\0'), all(static_cast<std::size_t>(k_name) * static_cast<std::size_t>(size));
  g.node_name.copy(mine.data(), k_name - 1);
  FLOPWALL_MPI_CHECK(MPI_Allgather(mine.data(), k_name, MPI_CHAR, all.data(), k_name, MPI_CHAR, world));
  std::vector<std::string> names;
  for (int r = 0; r < size; ++r) names.emplace_back(all.data() + static_cast<std::size_t>(r) * k_name);
  std::vector<std::string> distinct;
  for (const auto& n : names)
    if (std::find(distinct.begin(), distinct.end(), n) == distinct.end()) distinct.push_back(n);
  g.nodes = static_cast<int>(distinct.size());
  g.node_index = static_cast<int>(std::find(distinct.begin(), distinct.end(), g.node_name) - distinct.begin());
  int local_index = 0;
  for (int r = 0; r < rank; ++r) local_index += names[static_cast<std::size_t>(r)] == g.node_name ? 1 : 0;

  g.intra = split_comm(world, g.node_index, rank);
  g.inter = split_comm(world, local_index, rank);
  return g;
}

}  // namespace flopwall
