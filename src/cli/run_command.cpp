// `flopwall run`: plan, execute, record, write the trace.
#include <fmt/format.h>

#include <optional>
#include <string>
#include <variant>

#include "runtime/backends.hpp"
#include "cli/calibration_job.hpp"
#include "collectives/collective.hpp"
#include "cli/commands.hpp"
#include "cli/input_limits.hpp"
#include "cli/moe_options.hpp"
#include "cli/mpi_job.hpp"
#include "cli/run_config.hpp"
#include "cli/serve_limits.hpp"
#include "core/error.hpp"
#include "core/units.hpp"
#include "core/version.hpp"
#include "model/training_plan.hpp"
#include "runtime/graceful_stop.hpp"
#include "runtime/hang_locator.hpp"
#include "runtime/machine_survey.hpp"
#include "runtime/moe_summary.hpp"
#include "platform/mpi_check.hpp"
#include "platform/mpi_environment.hpp"
#include "runtime/run_metadata.hpp"
#include "runtime/runner.hpp"
#include "trace/trace_writer.hpp"

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

int run_job(const MpiEnvironment& mpi, const std::string& cmd, const std::vector<std::string>& args) {
  const MPI_Comm world = MPI_COMM_WORLD;
  const bool root = mpi.rank() == 0;

  RunConfig cfg;
  ParallelLayout layout{.world_size = mpi.size()};
  agreed(world, [&] { cfg = parse_run_options(args); });
  if (cfg.help) {
    if (root) fmt::print("{}", cfg.help_text);
    return k_exit_ok;
  }
  std::string backend_note;
  cfg.backend = resolve_backend_everywhere(cfg.backend, backend_note);
  agreed(world, [&] {
    layout.tp = cfg.tp == 0 ? mpi.size() : cfg.tp;
    layout.ep = cfg.ep;
    validate_layout(cfg.shape, layout);
    check_run_int_counts(cfg, layout);
    check_moe_backend(cfg, layout);
    if (cfg.mode == RunMode::train && backend_entry(cfg.backend).int_counts)
      check_train_int_counts(cfg.train, cfg.shape, layout, cfg.dtype);
  });
  // Before the plan is built: everything that grows with the input, against the node's memory.
  cfg.serve_max_requests = require_serve_memory(world, mpi.node_comm(), cfg, layout);
  require_node_memory(world, mpi.node_comm(), [&] { return run_footprint(cfg, layout); });

  if (root && cfg.out.empty()) cfg.out = default_output_path("run");
  cfg.out = broadcast_string(world, cfg.out);
  agree_on_usage_error(world, output_path_problem(cfg.out, cfg.overwrite));

  agree_on_usage_error(world, cfg.mode == RunMode::train && backend_entry(cfg.backend).accelerator
                                  ? std::optional<std::string>(fmt::format(
                                        "--mode train is not supported by --backend {} yet; valid: --backend cpu",
                                        backend_entry(cfg.backend).name))
                                  : std::nullopt);
  agree_on_usage_error(world, cfg.injection.delay_rank < mpi.size()
                                  ? std::nullopt
                                  : std::optional<std::string>(fmt::format(
                                        "--inject-delay rank {} is outside the job of {} ranks; valid: 0..{}",
                                        cfg.injection.delay_rank, mpi.size(), mpi.size() - 1)));
  // A given calibration is checked against this job before anything is allocated.
  Calibration calibration;
  if (!cfg.calibration_file.empty())
    calibration = load_calibration_file(cfg.calibration_file, mpi.size(), cfg.backend, cfg.dtype);
  Plan plan = cfg.mode == RunMode::serve   ? build_serve_plan(cfg.shape, cfg.serve, layout, mpi.rank(), cfg.dtype)
              : cfg.mode == RunMode::train ? build_training_plan(cfg.shape, layout, mpi.rank(), cfg.dtype, cfg.train.reduce).plan
                                           : build_transformer_plan(cfg.shape, layout, mpi.rank(), cfg.dtype);
  if (cfg.injection.active()) prepend_injected_delay(plan);
  const std::string moe_json = moe_trace_json(world, plan);  // collective; empty without MoE
  Backend backend = make_backend(cfg.backend, {.dtype = cfg.dtype, .threads = cfg.threads, .timeout_s = cfg.timeout_s},
                                 plan, mpi, layout);
  if (root && !backend_note.empty()) fmt::print(stderr, "flopwall: {}\n", backend_note);
  // After the transports are up (the MPI components are loaded), before anything is timed.
  const MachineSurvey machine = survey_machine(mpi, backend_named(cfg.backend));
  if (machine.blas_warning) fmt::print(stderr, "flopwall: {}\n", *machine.blas_warning);  // rank 0 only
  Device& device = *backend.device;
  device.prepare(plan);
  // The ceilings this run's figures are read against, measured on the
  // prepared device before anything is timed: seconds, not minutes.
  if (cfg.calibration_file.empty()) {
    std::vector<std::string> calibration_notes;
    calibration = measure_calibration({.backend = cfg.backend, .dtypes = {cfg.dtype}, .threads = cfg.threads,
                                       .seconds = k_run_calibration_seconds, .short_run = true,
                                       .timeout_s = cfg.timeout_s, .source = "run-short"},
                                      mpi, calibration_notes);
  }

  if (mpi.rank() == cfg.inject_failure_rank)
    throw std::runtime_error("failure injected by --inject-failure; the job must end on every rank");
  std::vector<std::pair<std::string, int>> labels;
  for (const Op& op : plan.ops) labels.emplace_back(op.name, op.layer);
  HangLocator locator(std::move(labels), world, mpi.node_comm(), cfg.timeout_s);
  locator.start_watchdog();  // from here to the closed trace file, no wait can hang silently
  locator.begin_phase(HangLocator::Phase::clock_sync, 0);
  const ClockEstimate clock = estimate_clock_offset(world);
  locator.end_phase();
  Recorder recorder(plan_work(plan), cfg.iterations);
  RunLoopResult loop;
  try {
    loop = run_plan(plan, device, *backend.comm, recorder, clock,
                    {.iterations = cfg.iterations, .warmup = cfg.warmup, .progress = root && !cfg.quiet,
                     .resync_every = cfg.resync_every,
                     .injected_delay_ns = cfg.injection.active()
                                              ? injected_delays_ns(cfg.injection, mpi.rank(), cfg.iterations)
                                              : std::vector<std::int64_t>{},
                     .locator = &locator});
  } catch (const std::exception& e) {
    throw std::runtime_error(fmt::format("{}; {}", e.what(), locator.status_line()));
  }

  TraceHeader header{.tool_version = build_info::k_version,
                     .created_utc = utc_timestamp_iso(),
                     .command_line = cmd,
                     .config_json = run_config_json(cfg, layout),
                     .world_size = mpi.size(),
                     .backend = cfg.backend,
                     .meta = library_versions(),
                     .environment = captured_environment()};
  for (auto& kv : host_and_job_meta()) header.meta.push_back(std::move(kv));
  for (auto& kv : backend_meta(cfg.backend)) header.meta.push_back(std::move(kv));
  header.meta.emplace_back("blas_threads_per_rank", std::to_string(cfg.threads));
  header.meta.emplace_back("mpi_thread_level", mpi.thread_level());
  header.meta.emplace_back("machine_json", machine.machine_json);
  header.meta.emplace_back("calibration_json", root ? calibration_to_json(calibration).dump() : std::string());
  if (!moe_json.empty()) header.meta.emplace_back("moe_json", moe_json);
  if (const auto topology = backend_named(cfg.backend).topology_meta)
    for (auto& kv : topology()) header.meta.push_back(std::move(kv));

  const RankInfo me{.hostname = mpi.hostname(), .local_rank = mpi.local_rank(), .device = device.description(),
                    .clock_offset_ns = clock.offset_ns, .clock_error_ns = clock.error_ns,
                    .groups = trace_groups(layout, mpi.rank()),
                    .clock_samples = loop.clock_samples,
                    .recent_ops = locator.recent()};
  if (loop.stop_signal != 0 && loop.iterations == 0) {
    if (root)
      fmt::print(stderr, "flopwall: stopped by {} before the first timed iteration completed; no trace written\n",
                 signal_name(loop.stop_signal));
    return k_exit_ok;
  }
  header.truncated = loop.iterations < cfg.iterations;
  locator.begin_phase(HangLocator::Phase::trace_write, loop.iterations);
  if (root) create_output_directory(cfg.out);
  write_trace(world, {.path = cfg.out, .overwrite = cfg.overwrite}, header, op_vocabulary(plan), me,
              recorder.events());
  locator.end_phase();
  locator.stop_watchdog();
  if (root && header.truncated)
    fmt::print(stderr, "flopwall: stopped by {}: kept {} of {} timed iterations; wrote {} (truncated); see "
               "'flopwall report {}'\n", signal_name(loop.stop_signal), loop.iterations, cfg.iterations, cfg.out, cfg.out);
  else if (root)
    fmt::print(stderr, "flopwall: wrote {} ({} ranks, {} timed iterations); see 'flopwall report {}'\n", cfg.out,
               mpi.size(), cfg.iterations, cfg.out);
  return k_exit_ok;
}

}  // namespace

int run_command(int argc, char** argv, const std::vector<std::string>& args) {
  return run_mpi_job(argc, argv, [&](const MpiEnvironment& mpi, const std::string& cmd) { return run_job(mpi, cmd, args); });
}

}  // namespace flopwall
