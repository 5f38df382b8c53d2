// `flopwall run`: plan, execute, record, write the trace.
#include <fmt/format.h>

#include <string>

#include "cli/commands.hpp"
#include "cli/mpi_job.hpp"
#include "cli/run_execution.hpp"
#include "core/error.hpp"
#include "core/version.hpp"
#include "runtime/graceful_stop.hpp"
#include "runtime/run_metadata.hpp"
#include "trace/trace_writer.hpp"

namespace flopwall {
namespace {

int run_job(const MpiEnvironment& mpi, const std::string& cmd, const std::vector<std::string>& args) {
  const MPI_Comm world = MPI_COMM_WORLD;
  const bool root = mpi.rank() == 0;

  CheckedRun run = check_run(mpi, args);
  RunConfig& cfg = run.cfg;
  if (cfg.help) {
    if (root) fmt::print("{}", cfg.help_text);
    return k_exit_ok;
  }
  if (root && cfg.out.empty()) cfg.out = default_output_path("run");
  cfg.out = broadcast_string(world, cfg.out);
  agree_on_usage_error(world, output_path_problem(cfg.out, cfg.overwrite));

  JobMeasurements once;
  RunOutcome outcome = execute_run(mpi, run, once);
  const RunLoopResult& loop = outcome.loop;

  TraceHeader header{.tool_version = build_info::k_version,
                     .created_utc = utc_timestamp_iso(),
                     .command_line = cmd,
                     .config_json = run_config_json(cfg, run.layout),
                     .world_size = mpi.size(),
                     .backend = cfg.backend,
                     .meta = job_meta(mpi, cfg, once),
                     .environment = captured_environment()};
  if (!outcome.moe_json.empty()) header.meta.emplace_back("moe_json", outcome.moe_json);
  if (loop.stop_signal != 0 && loop.iterations == 0) {
    outcome.locator->stop_watchdog();
    if (root)
      fmt::print(stderr, "flopwall: stopped by {} before the first timed iteration completed; no trace written\n",
                 signal_name(loop.stop_signal));
    return k_exit_ok;
  }
  // Reaching --duration is the run's planned end, not a truncation.
  header.truncated = loop.iterations < cfg.iterations && !loop.duration_reached;
  outcome.locator->begin_phase(HangLocator::Phase::trace_write, loop.iterations);
  if (root) create_output_directory(cfg.out);
  write_trace(world, {.path = cfg.out, .overwrite = cfg.overwrite}, header, outcome.ops, outcome.rank,
              outcome.recorder.events());
  outcome.locator->end_phase();
  outcome.locator->stop_watchdog();
  if (root && header.truncated)
    fmt::print(stderr, "flopwall: stopped by {}: kept {} of {} timed iterations; wrote {} (truncated); see "
               "'flopwall report {}'\n", signal_name(loop.stop_signal), loop.iterations, cfg.iterations, cfg.out, cfg.out);
  else if (root && loop.duration_reached)
    fmt::print(stderr, "flopwall: --duration {} s reached after {} timed iterations; wrote {}; see 'flopwall report {}'\n",
               cfg.duration_s, loop.iterations, cfg.out, cfg.out);
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
