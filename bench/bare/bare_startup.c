/* The start-up reference for `flopwall run`: a minimal MPI program that
 * initialises what every flopwall run needs, MPI and HDF5, and ends.
 *
 *   mpirun -np 2 bare_startup
 *
 * bench/startup.sh runs it interleaved with `flopwall run --iters 1
 * --warmup 0`; the difference of the medians is flopwall's own start-up and
 * shut-down cost. */
#include <hdf5.h>
#include <mpi.h>

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  if (H5open() < 0) MPI_Abort(MPI_COMM_WORLD, 1);
  MPI_Finalize();
  return 0;
}
