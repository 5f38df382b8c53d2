#pragma once
// Every input bounded before anything is allocated: the documented range of
// each numeric flag, the checks `flopwall run` and `flopwall collectives`
// parse with, and what a run or a sweep will hold in memory per rank,
// computed from the configuration alone (no plan built, no buffer sized).
// docs (README's run table, docs/collectives.md) list the same ranges.
#include <mpi.h>

#include <climits>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "cli/option_values.hpp"
#include "cli/run_config.hpp"
#include "sweep/sweep_config.hpp"

namespace flopwall::limits {

// Run and collectives. Iterations are bounded by int range here and by the
// memory check (their events stay in memory); warm-up iterations keep
// nothing, so only a bound on how long they may spin.
inline constexpr std::int64_t k_max_iters = INT_MAX;
inline constexpr std::int64_t k_max_warmup = 1000000;
inline constexpr std::int64_t k_max_threads = 1024;  // OpenBLAS threads per rank
inline constexpr double k_max_timeout_s = 1e6;       // about 11.6 days
inline constexpr double k_max_stepfactor = 1e6;
// A --config file is a few lines of key = value; anything larger is a mistake.
inline constexpr std::uint64_t k_max_config_bytes = std::uint64_t{1} << 20;
// Per-rank footprints above this (1 PiB) are refused outright: no node has
// it, and it keeps the node-wide sum of every rank's figure far from
// wrapping uint64 in the collective memory check.
inline constexpr std::uint64_t k_max_footprint_bytes = std::uint64_t{1} << 50;

}  // namespace flopwall::limits

namespace flopwall {

// The contents of a --config file: a readable regular file (not a directory,
// device or FIFO) of at most k_max_config_bytes; else UsageError.
std::string read_config_file(const std::string& path);

// What a run or a sweep holds in memory on one rank, and what to say when a
// node cannot hold it: node_memory_problem(node, bytes_per_rank, what, advice).
struct Footprint {
  std::uint64_t bytes_per_rank = 0;
  std::string what;    // the input that drives it, e.g. "--iters 3000000 with 28 ops per iteration"
  std::string advice;  // e.g. "lower --iters"
};

// Collective over `world`: computes each rank's footprint (an overflow on
// any rank is an agreed UsageError) and refuses the job, agreed, when the
// ranks sharing a node's memory (`node`) need more than it has available.
void require_node_memory(MPI_Comm world, MPI_Comm node, const std::function<Footprint()>& footprint);

// Host memory of one rank of `flopwall run`, from the configuration alone
// (call it before build_transformer_plan): the backend's buffers (cpu: all
// of the plan's; cuda: the host staging copies of the largest one), the
// plan's ops and buffer specs, the recorder's events and spans, the timer's
// and the hang locator's per-op arrays, the injected delays and the clock
// samples. `config.backend` must be resolved ("cpu" or "cuda"). Throws
// UsageError when the arithmetic overflows or the total passes
// limits::k_max_footprint_bytes, naming the flag that drives it.
Footprint run_footprint(const RunConfig& config, const ParallelLayout& layout);
// The ops of one iteration of `flopwall run` (the injected delay's included),
// from the configuration alone, as run_footprint counts them.
std::uint64_t planned_ops_per_iteration(const RunConfig& config, const ParallelLayout& layout);
// --duration without --iters: as many iterations as this many events per
// rank hold (192 MiB), at least one.
inline constexpr std::uint64_t k_duration_events_per_rank = std::uint64_t{1} << 22;
int duration_iteration_cap(const RunConfig& config, const ParallelLayout& layout);
inline std::uint64_t run_bytes_per_rank(const RunConfig& config, const ParallelLayout& layout) {
  return run_footprint(config, layout).bytes_per_rank;
}

// Counts that must fit a C int on the cpu backend (MPI's element counts,
// OpenBLAS's dimensions): the TP allreduce's tokens × hidden elements and
// every GEMM dimension. Nothing to check for cuda. Throws UsageError.
void check_run_int_counts(const RunConfig& config, const ParallelLayout& layout);

// Host memory of one rank of `flopwall collectives`: the engines' two
// --maxbytes buffers per tier (cpu; on cuda they are GPU memory), the
// check's host vectors of doubles and byte images, the per-size span and
// combined-seconds vectors, the trace events kept (sizes × collectives ×
// tiers × in-place forms × iters), the op names and result rows, and the
// trace writer's per-rank tables for `world_size` ranks. Throws UsageError
// on overflow or past limits::k_max_footprint_bytes, naming the flag.
Footprint sweep_footprint(const SweepConfig& config, int world_size);
inline std::uint64_t sweep_bytes_per_rank(const SweepConfig& config, int world_size) {
  return sweep_footprint(config, world_size).bytes_per_rank;
}

}  // namespace flopwall
