// What flopwall's collective timing adds over a bare loop, in one run on
// 2 ranks (mpirun -np 2): MPI_Allreduce through `flopwall collectives`' own
// machinery (per-iteration clock reads, the -a combination) next to a bare
// timed loop of the same calls. Targets: within 10% at 64 KiB, within 50 ns
// at 8 B. Prints one line per size and method.
#include <fmt/format.h>
#include <mpi.h>

#include <algorithm>
#include <vector>

#include "backend/steady_timer.hpp"
#include "collectives/mpi/mpi_collective_engine.hpp"
#include "runtime/mpi_environment.hpp"
#include "sweep/sweep_runner.hpp"

namespace {

using namespace flopwall;

constexpr int k_iters = 20000;
constexpr int k_warmup = 1000;
constexpr int k_repeats = 5;  // alternate the two methods; keep each one's best

// Mean µs per call of a bare timed loop; the slowest rank's figure.
double bare_loop_us(std::int64_t bytes) {
  std::vector<float> buf(static_cast<std::size_t>(bytes / 4), 1.0f), out(buf.size());
  const int n = static_cast<int>(buf.size());
  for (int i = 0; i < k_warmup; ++i) MPI_Allreduce(buf.data(), out.data(), n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
  MPI_Barrier(MPI_COMM_WORLD);
  const std::int64_t t0 = steady_now_ns();
  for (int i = 0; i < k_iters; ++i) MPI_Allreduce(buf.data(), out.data(), n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
  double us = static_cast<double>(steady_now_ns() - t0) / 1e3 / k_iters, slowest = 0;
  MPI_Allreduce(&us, &slowest, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
  return slowest;
}

// flopwall's reported time_us for an out-of-place allreduce of `bytes`.
double flopwall_us(std::int64_t bytes, RankCombine combine) {
  SweepConfig c;
  c.min_bytes = c.max_bytes = bytes;
  c.iters = k_iters;
  c.warmup = k_warmup;
  c.check = false;
  c.in_place = InPlaceMode::no;
  c.combine = combine;
  c.backend = "cpu";
  SweepTrace trace;
  const SweepResult r = run_sweep(
      c, "host", [](MPI_Comm comm) -> std::unique_ptr<CollectiveEngine> { return std::make_unique<MpiCollectiveEngine>(comm); },
      {}, trace);
  return r.rows.at(0).time_us;
}

}  // namespace

int main(int argc, char** argv) {
  MpiEnvironment mpi(argc, argv);
  if (mpi.size() != 2 && mpi.rank() == 0) fmt::print(stderr, "note: the target is stated for 2 ranks; running on {}\n", mpi.size());
  for (std::int64_t bytes : {std::int64_t{8}, std::int64_t{64} << 10}) {
    double bare = 1e30, slowest = 1e30, mean = 1e30;
    for (int r = 0; r < k_repeats; ++r) {
      bare = std::min(bare, bare_loop_us(bytes));
      slowest = std::min(slowest, flopwall_us(bytes, RankCombine::max));
      mean = std::min(mean, flopwall_us(bytes, RankCombine::mean));
    }
    if (mpi.rank() == 0) {
      fmt::print("allreduce {:>6} B  bare loop {:9.3f} us\n", bytes, bare);
      fmt::print("allreduce {:>6} B  flopwall -a 1 (mean over ranks) {:9.3f} us  ({:+.0f} ns, {:+.2f}%)\n", bytes, mean,
                 (mean - bare) * 1e3, (mean / bare - 1) * 100);
      fmt::print("allreduce {:>6} B  flopwall -a 3 (slowest rank)    {:9.3f} us  ({:+.0f} ns, {:+.2f}%)\n", bytes,
                 slowest, (slowest - bare) * 1e3, (slowest / bare - 1) * 100);
    }
  }
  return 0;
}
