#include "cli/run_execution.hpp"

#include <fmt/format.h>

#include <memory>
#include <stdexcept>
#include <variant>

#include "cli/calibration_job.hpp"
#include "cli/input_limits.hpp"
#include "cli/moe_options.hpp"
#include "cli/serve_limits.hpp"
#include "collectives/collective.hpp"
#include "core/error.hpp"
#include "model/training_plan.hpp"
#include "platform/rank_placement.hpp"
#include "runtime/backends.hpp"
#include "runtime/hang_locator.hpp"
#include "runtime/moe_summary.hpp"
#include "runtime/run_metadata.hpp"
#include "runtime/topology_presets.hpp"

namespace flopwall {
namespace {

// The collective a comm op runs, as the trace's /ops names it ("" for the other ops).
std::string collective_of(const Op& op) {
  if (const auto* c = std::get_if<CommOp>(&op.params)) return std::string(descriptor(c->call.collective).name);
  if (std::holds_alternative<AllToAllVOp>(op.params)) return "alltoallv";
  return "";
}

std::vector<OpInfo> op_vocabulary(const Plan& plan) {
  std::vector<OpInfo> ops;
  for (const Op& op : plan.ops)
    ops.push_back({.name = op.name, .kind = op.kind, .layer = op.layer,
                   .group = std::string(comm_group_name(op.group)), .step = op.step, .collective = collective_of(op)});
  return ops;
}

// Which instance of each group this rank is in, as the trace stores it.
std::vector<std::pair<std::string, std::int64_t>> trace_groups(const ParallelLayout& layout, int world_rank) {
  std::vector<std::pair<std::string, std::int64_t>> groups;
  for (const GroupMembership& m : comm_groups(layout, world_rank))
    groups.emplace_back(std::string(comm_group_name(m.group)), m.color);
  return groups;
}

Plan build_plan(const RunConfig& cfg, const ParallelLayout& layout, int rank) {
  switch (cfg.mode) {
    case RunMode::serve: return build_serve_plan(cfg.shape, cfg.serve, layout, rank, cfg.dtype);
    case RunMode::train: return build_training_plan(cfg.shape, layout, rank, cfg.dtype, cfg.train.options).plan;
    case RunMode::prefill: break;
  }
  return build_transformer_plan(cfg.shape, layout, rank, cfg.dtype);
}

}  // namespace

CheckedRun check_run(const MpiEnvironment& mpi, const std::vector<std::string>& args) {
  const MPI_Comm world = MPI_COMM_WORLD;
  CheckedRun run{.layout = {.world_size = mpi.size()}};
  RunConfig& cfg = run.cfg;
  ParallelLayout& layout = run.layout;
  agreed(world, [&] { cfg = parse_run_options(args); });
  if (cfg.help) return run;
  cfg.backend = resolve_backend_everywhere(cfg.backend, run.backend_note);
  agreed(world, [&] {
    layout.tp = cfg.tp == 0 ? mpi.size() : cfg.tp;
    layout.ep = cfg.ep;
    validate_layout(cfg.shape, layout);
    check_run_int_counts(cfg, layout);
    if (!cfg.topology.empty())
      if (const auto problem = topology_problem(cfg.topology, cfg.backend)) throw UsageError(*problem);
    if (cfg.duration_s > 0 && !cfg.iterations_given) cfg.iterations = duration_iteration_cap(cfg, layout);
    check_moe_backend(cfg, layout);
    if (cfg.mode == RunMode::train) check_train_dtype(cfg.dtype, cfg.backend);
    if (cfg.mode == RunMode::train && backend_entry(cfg.backend).int_counts)
      check_train_int_counts(cfg.train, cfg.shape, layout, cfg.dtype);
  });
  // Before the plan is built: everything that grows with the input, against the node's memory.
  cfg.serve_max_requests = require_serve_memory(world, mpi.node_comm(), cfg, layout);
  require_node_memory(world, mpi.node_comm(), [&] { return run_footprint(cfg, layout); });
  agree_on_usage_error(world, cfg.injection.delay_rank < mpi.size()
                                  ? std::nullopt
                                  : std::optional<std::string>(fmt::format(
                                        "--inject-delay rank {} is outside the job of {} ranks; valid: 0..{}",
                                        cfg.injection.delay_rank, mpi.size(), mpi.size() - 1)));
  return run;
}

RunOutcome execute_run(const MpiEnvironment& mpi, const CheckedRun& run, JobMeasurements& once) {
  const MPI_Comm world = MPI_COMM_WORLD;
  const RunConfig& cfg = run.cfg;
  const bool root = mpi.rank() == 0;
  // A given calibration is checked against this job before anything is allocated.
  if (!once.calibration && !cfg.calibration_file.empty())
    once.calibration = load_calibration_file(cfg.calibration_file, mpi.size(), cfg.backend, cfg.dtype);
  Plan plan = build_plan(cfg, run.layout, mpi.rank());
  if (cfg.injection.active()) prepend_injected_delay(plan);
  std::string moe_json = moe_trace_json(world, plan);  // collective; empty without MoE
  Backend backend = make_backend(cfg.backend, {.dtype = cfg.dtype, .threads = cfg.threads, .timeout_s = cfg.timeout_s},
                                 plan, mpi, run.layout);
  if (!once.machine) {
    if (root && !run.backend_note.empty()) fmt::print(stderr, "flopwall: {}\n", run.backend_note);
    // After the transports are up (the MPI components are loaded), before anything is timed.
    once.machine = survey_machine(mpi, backend_named(cfg.backend));
    if (once.machine->blas_warning) fmt::print(stderr, "flopwall: {}\n", *once.machine->blas_warning);  // rank 0 only
  }
  Device& device = *backend.device;
  device.prepare(plan);
  // The ceilings the figures are read against, measured on the prepared
  // device before anything is timed: seconds, not minutes.
  if (!once.calibration) {
    std::vector<std::string> calibration_notes;
    once.calibration = measure_calibration({.backend = cfg.backend, .dtypes = {cfg.dtype}, .threads = cfg.threads,
                                            .seconds = k_run_calibration_seconds, .short_run = true,
                                            .timeout_s = cfg.timeout_s, .source = "run-short"},
                                           mpi, calibration_notes);
  }

  if (mpi.rank() == cfg.inject_failure_rank)
    throw std::runtime_error("failure injected by --inject-failure; the job must end on every rank");
  std::vector<std::pair<std::string, int>> labels;
  for (const Op& op : plan.ops) labels.emplace_back(op.name, op.layer);
  auto locator = std::make_unique<HangLocator>(std::move(labels), world, mpi.node_comm(), cfg.timeout_s);
  locator->start_watchdog();  // from here to the closed trace file, no wait can hang silently
  locator->begin_phase(HangLocator::Phase::clock_sync, 0);
  const ClockEstimate clock = estimate_clock_offset(world);
  locator->end_phase();
  Recorder recorder(plan_work(plan), cfg.iterations);
  RunLoopResult loop;
  try {
    loop = run_plan(plan, device, *backend.comm, recorder, clock,
                    {.iterations = cfg.iterations, .warmup = cfg.warmup, .duration_s = cfg.duration_s,
                     .progress = root && !cfg.quiet,
                     .resync_every = cfg.resync_every,
                     .injected_delay_ns = cfg.injection.active()
                                              ? injected_delays_ns(cfg.injection, mpi.rank(), cfg.iterations)
                                              : std::vector<std::int64_t>{},
                     .locator = locator.get()});
  } catch (const std::exception& e) {
    throw std::runtime_error(fmt::format("{}; {}", e.what(), locator->status_line()));
  }
  RankInfo me{.hostname = mpi.hostname(), .local_rank = mpi.local_rank(), .device = device.description(),
              .cpu_affinity = cpu_affinity_list(), .network = network_interfaces(),
              .clock_offset_ns = clock.offset_ns, .clock_error_ns = clock.error_ns,
              .groups = trace_groups(run.layout, mpi.rank()),
              .clock_samples = loop.clock_samples,
              .recent_ops = locator->recent()};
  return RunOutcome{.ops = op_vocabulary(plan), .rank = std::move(me), .recorder = std::move(recorder),
                    .loop = std::move(loop), .moe_json = std::move(moe_json),
                    .locator = std::move(locator)};
}

KeyValues job_meta(const MpiEnvironment& mpi, const RunConfig& cfg, const JobMeasurements& once) {
  KeyValues meta = library_versions();
  for (auto& kv : host_and_job_meta()) meta.push_back(std::move(kv));
  for (auto& kv : backend_meta(cfg.backend)) meta.push_back(std::move(kv));
  for (auto& kv : applied_topology_meta()) meta.push_back(std::move(kv));
  meta.emplace_back("blas_threads_per_rank", std::to_string(cfg.threads));
  meta.emplace_back("mpi_thread_level", mpi.thread_level());
  if (once.machine) meta.emplace_back("machine_json", once.machine->machine_json);
  if (once.calibration)
    meta.emplace_back("calibration_json", mpi.rank() == 0 ? calibration_to_json(*once.calibration).dump() : "");
  if (const auto topology = backend_named(cfg.backend).topology_meta)
    for (auto& kv : topology()) meta.push_back(std::move(kv));
  return meta;
}

}  // namespace flopwall
