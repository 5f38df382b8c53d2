// What flopwall's collective timing adds over a bare loop, in one run on
// 2 ranks (mpirun -np 2): MPI_Allreduce through `flopwall collectives`' own
// machinery (per-iteration clock reads, the -a combination) next to a bare
// timed loop of the same calls. Targets: within 10% at 64 KiB, within 50 ns
// at 8 B. Prints one line per size and method.
#include <fmt/format.h>
#include <mpi.h>

#include <algorithm>
#include <vector>

#include "core/statistics.hpp"
#include "platform/steady_timer.hpp"
#include "transport/mpi/mpi_transport.hpp"
#include "platform/mpi_environment.hpp"
#include "sweep/sweep_runner.hpp"

namespace {

using namespace flopwall;

constexpr int k_iters = 5000;
constexpr int k_warmup = 500;
// The methods run back to back, many times over; the medians of the paired
// differences cancel the slow drifts of a shared machine.
constexpr int k_repeats = 21;

double median(const std::vector<double>& v) { return stats::percentile(v, 0.5); }

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
      c, "host", [](MPI_Comm comm) -> std::unique_ptr<Transport> { return std::make_unique<MpiTransport>(comm); },
      {}, trace);
  return r.rows.at(0).time_us;
}

}  // namespace

int main(int argc, char** argv) {
  MpiEnvironment mpi(argc, argv);
  if (mpi.size() != 2 && mpi.rank() == 0) fmt::print(stderr, "note: the target is stated for 2 ranks; running on {}\n", mpi.size());
  for (std::int64_t bytes : {std::int64_t{8}, std::int64_t{64} << 10}) {
    std::vector<double> bare, mean_diff, slowest_diff;
    for (int r = 0; r < k_repeats; ++r) {
      const double b = bare_loop_us(bytes);
      bare.push_back(b);
      mean_diff.push_back(flopwall_us(bytes, RankCombine::mean) - b);
      slowest_diff.push_back(flopwall_us(bytes, RankCombine::max) - b);
    }
    if (mpi.rank() == 0) {
      const double b = median(bare), dm = median(mean_diff), ds = median(slowest_diff);
      fmt::print("allreduce {:>6} B  bare loop (median of {})     {:9.3f} us  (range {:.3f} .. {:.3f})\n", bytes,
                 k_repeats, b, *std::min_element(bare.begin(), bare.end()), *std::max_element(bare.begin(), bare.end()));
      fmt::print("allreduce {:>6} B  flopwall -a 1 (mean over ranks)  median difference {:+8.0f} ns ({:+.2f}%)\n", bytes,
                 dm * 1e3, dm / b * 100);
      fmt::print("allreduce {:>6} B  flopwall -a 3 (slowest rank)     median difference {:+8.0f} ns ({:+.2f}%)\n", bytes,
                 ds * 1e3, ds / b * 100);
    }
  }
  return 0;
}
