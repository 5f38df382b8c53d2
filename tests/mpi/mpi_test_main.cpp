// GoogleTest under mpirun: MPI for the whole binary, output from rank 0 only,
// and a failure on any rank fails every rank (FLOPWALL_TEST_EVERY_RANK=1
// shows every rank's output, to see where a failure on another rank came from).
#include <gtest/gtest.h>

#include <cstdlib>

#include "platform/mpi_environment.hpp"

int main(int argc, char** argv) {
  flopwall::MpiEnvironment mpi(argc, argv);
  testing::InitGoogleTest(&argc, argv);
  if (mpi.rank() != 0 && !std::getenv("FLOPWALL_TEST_EVERY_RANK")) {
    auto& listeners = testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
  }
  const int local = RUN_ALL_TESTS();
  int any = 0;
  MPI_Allreduce(&local, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  return any;
}
