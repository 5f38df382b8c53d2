// allgather_strings and gather_strings (platform/mpi_environment.hpp): every
// rank's string, lengths differing and some empty, in rank order.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "platform/mpi_environment.hpp"

namespace flopwall {
namespace {

// Rank r sends r copies of 'a'+r: rank 0 sends nothing.
std::string string_of(int rank) { return std::string(static_cast<std::size_t>(rank), static_cast<char>('a' + rank % 26)); }

std::vector<std::string> expected(int size) {
  std::vector<std::string> all;
  for (int r = 0; r < size; ++r) all.push_back(string_of(r));
  return all;
}

TEST(StringGathers, AllgatherGivesEveryRankEveryString) {
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  EXPECT_EQ(allgather_strings(MPI_COMM_WORLD, string_of(rank)), expected(size));
}

TEST(StringGathers, GatherGivesRankZeroEveryStringAndTheOthersNone) {
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  const std::vector<std::string> got = gather_strings(MPI_COMM_WORLD, string_of(rank));
  if (rank == 0) EXPECT_EQ(got, expected(size));
  else EXPECT_TRUE(got.empty());
}

}  // namespace
}  // namespace flopwall
