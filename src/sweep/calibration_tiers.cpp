#include "sweep/calibration_tiers.hpp"

#include <fmt/format.h>

#include "collectives/collective.hpp"
#include "platform/mpi_check.hpp"
#include "runtime/backends.hpp"
#include "runtime/node_groups.hpp"
#include "sweep/sweep_result.hpp"
#include "sweep/sweep_runner.hpp"

namespace flopwall {
namespace {

int group_size(MPI_Comm comm) {
  int size = 1;
  FLOPWALL_MPI_CHECK(MPI_Comm_size(comm, &size));
  int largest = size;
  FLOPWALL_MPI_CHECK(MPI_Allreduce(&size, &largest, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD));
  return largest;
}

}  // namespace

SweepConfig tier_sweep_config(const TierCalibrationOptions& o) {
  SweepConfig c;
  // The collectives the workloads run: the TP and DP allreduces, the MoE all-to-alls.
  c.collectives = {Collective::allreduce, Collective::alltoall};
  // Small sizes pin alpha, the large ones beta. The short form keeps four
  // sizes a factor 8 apart (1 KiB to 512 KiB) and a few iterations.
  c.min_bytes = o.short_run ? 1 << 10 : 8;
  c.max_bytes = o.short_run ? 512 << 10 : 16 << 20;
  c.step_factor = o.short_run ? 8 : 4;
  c.iters = o.short_run ? 5 : 20;
  c.warmup = o.short_run ? 2 : 5;
  c.check = false;
  c.in_place = InPlaceMode::no;
  c.combine = RankCombine::max;
  c.tiers = {Tier::world, Tier::intra, Tier::inter};
  c.backend = o.backend;
  c.timeout_s = o.timeout_s;
  return c;
}

CalibrationTier tier_from_fit(const SweepFit& fit, int ranks, std::string& note) {
  CalibrationTier t{.tier = fit.tier, .ranks = ranks, .collective = fit.collective, .alpha_s = fit.alpha_us * 1e-6};
  if (t.alpha_s < 0) {
    note = fmt::format("tier {}: the fitted latency was negative ({:.3g} s), stored as 0: it is below what the sizes "
                       "resolve", fit.tier, t.alpha_s);
    t.alpha_s = 0;
  }
  if (fit.beta_gbs > 0) {
    // beta_gbs is bytes per ns (1e9 B/s): seconds per byte = 1e-9 / beta_gbs.
    t.beta_s_per_byte = 1e-9 / fit.beta_gbs;
    t.busbw_bytes_per_s = descriptor(parse_collective(fit.collective)).busbw_factor(ranks) / t.beta_s_per_byte;
  }
  return t;
}

std::vector<CalibrationTier> calibrate_tiers(const TierCalibrationOptions& options, const MpiEnvironment& mpi,
                                             std::vector<std::string>& notes) {
  if (mpi.size() < 2) return {};
  SweepConfig config = tier_sweep_config(options);
  const TransportFactory engines = make_transport_factory(options.backend, mpi, options.timeout_s);
  // The tiers' sizes, as run_sweep's groups will have them. On one node the
  // intra tier is the world and there is no inter tier.
  NodeGroups groups = make_node_groups(MPI_COMM_WORLD, mpi.hostname());
  if (groups.nodes == 1) config.tiers = {Tier::world};
  const int sizes[] = {mpi.size(), group_size(groups.intra.get()), group_size(groups.inter.get())};
  SweepTrace unused;  // the events stay in memory; a calibration keeps only the fits
  // No clock offset: the fits use durations on each rank's own clock.
  const SweepResult result = run_sweep(config, mpi.hostname(), engines, ClockEstimate{}, unused);
  for (const std::string& n : result.notes) notes.push_back(n);
  std::vector<CalibrationTier> tiers;
  for (const SweepFit& fit : result.fits) {
    int ranks = sizes[0];
    if (fit.tier == "intra") ranks = sizes[1];
    if (fit.tier == "inter") ranks = sizes[2];
    std::string note;
    tiers.push_back(tier_from_fit(fit, ranks, note));
    if (!note.empty()) notes.push_back(note);
  }
  return tiers;
}

}  // namespace flopwall
