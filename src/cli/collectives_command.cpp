// `flopwall collectives`: an nccl-tests / OSU-class sweep of one or all
// collectives, per topology tier, with cross-rank tail percentiles.
#include <fmt/format.h>

#include <climits>
#include <iostream>

#include "runtime/backends.hpp"
#include "cli/commands.hpp"
#include "cli/input_limits.hpp"
#include "cli/mpi_job.hpp"
#include "core/error.hpp"
#include "core/version.hpp"
#include "runtime/clock_sync.hpp"
#include "runtime/graceful_stop.hpp"
#include "runtime/hang_locator.hpp"
#include "runtime/machine_survey.hpp"
#include "platform/mpi_check.hpp"
#include "platform/rank_placement.hpp"
#include "runtime/topology_presets.hpp"
#include "runtime/run_metadata.hpp"
#include "sweep/sweep_config.hpp"
#include "analysis/sweep_printers.hpp"
#include "sweep/sweep_runner.hpp"
#include "trace/sweep_tables.hpp"
#include "trace/trace_writer.hpp"

namespace flopwall {
namespace {

std::string header_line(const SweepConfig& c, const SweepResult& r) {
  static constexpr const char* k_combine[] = {"rank 0", "mean over ranks", "min over ranks", "max over ranks (slowest)"};
  return fmt::format("flopwall collectives: backend {} ({}), {} ranks, datatype {}, op {}, root {}, iters {}, warmup {}, "
                     "check {}, ranks combined = {} (-a {})",
                     r.backend, r.transport, r.world_size, element_type_name(c.type), reduce_op_name(c.op), c.root,
                     c.iters, c.warmup, c.check ? 1 : 0, k_combine[static_cast<int>(c.combine)], static_cast<int>(c.combine));
}

int sweep_job(const MpiEnvironment& mpi, const std::string& cmd, const std::vector<std::string>& args) {
  const MPI_Comm world = MPI_COMM_WORLD;
  const bool root = mpi.rank() == 0;
  SweepConfig cfg;
  agreed(world, [&] { cfg = parse_sweep_options(args); });
  if (cfg.help) {
    if (root) fmt::print("{}", cfg.help_text);
    return k_exit_ok;
  }
  std::string note;
  cfg.backend = resolve_backend_everywhere(cfg.backend, note);
  if (!cfg.topology.empty()) agree_on_usage_error(world, topology_problem(cfg.topology, cfg.backend));
  if (!cfg.out.empty()) agree_on_usage_error(world, output_path_problem(cfg.out, cfg.overwrite));
  require_node_memory(world, mpi.node_comm(), [&] { return sweep_footprint(cfg, mpi.size()); });
  if (backend_named(cfg.backend).int_counts) {
    const std::int64_t most = std::int64_t{INT_MAX} * element_type_size(cfg.type);
    if (cfg.max_bytes > most)
      throw UsageError(fmt::format("--maxbytes {} is too large for MPI's int element counts with {}; at most {}",
                                   cfg.max_bytes, element_type_name(cfg.type), most));
  }
  const TransportFactory engines = make_transport_factory(cfg.backend, mpi, cfg.timeout_s);
  if (root && !note.empty()) fmt::print(stderr, "flopwall: {}\n", note);
  const MachineSurvey machine = survey_machine(mpi, backend_named(cfg.backend));
  if (machine.blas_warning) fmt::print(stderr, "flopwall: {}\n", *machine.blas_warning);  // rank 0 only

  // As for run: from the first clock estimate to the closed file, no wait
  // can hang silently, and SIGUSR1 says where every rank is.
  HangLocator locator(sweep_op_count(cfg), sweep_op_labeler(cfg), world, mpi.node_comm(), cfg.timeout_s);
  locator.start_watchdog();
  locator.begin_phase(HangLocator::Phase::clock_sync, 0);
  const ClockEstimate clock = estimate_clock_offset(world);
  locator.end_phase();
  SweepTrace trace;
  const SweepResult result = run_sweep(cfg, mpi.hostname(), engines, clock, trace, &locator);

  if (root) {
    if (cfg.format == "json") std::cout << sweep_json(result).dump(2) << '\n';
    else if (cfg.format == "csv") std::cout << render_sweep_csv(result);
    else std::cout << render_sweep_text(result, header_line(cfg, result));
    std::cout.flush();
  }
  if (!cfg.out.empty()) {
    TraceHeader header{.tool_version = build_info::k_version, .created_utc = utc_timestamp_iso(), .command_line = cmd,
                       .config_json = sweep_config_json(cfg, mpi.size()), .world_size = mpi.size(),
                       .backend = cfg.backend, .truncated = result.stop_signal != 0, .meta = library_versions(),
                       .environment = captured_environment()};
    for (auto& kv : host_and_job_meta()) header.meta.push_back(std::move(kv));
    for (auto& kv : backend_meta(cfg.backend)) header.meta.push_back(std::move(kv));
    for (auto& kv : applied_topology_meta()) header.meta.push_back(std::move(kv));
    header.meta.emplace_back("mpi_thread_level", mpi.thread_level());
    header.meta.emplace_back("machine_json", machine.machine_json);
    if (const auto topology = backend_named(cfg.backend).topology_meta)
      for (auto& kv : topology()) header.meta.push_back(std::move(kv));
    const RankInfo me{.hostname = mpi.hostname(), .local_rank = mpi.local_rank(), .device = result.transport,
                      .cpu_affinity = cpu_affinity_list(), .network = network_interfaces(),
                      .clock_offset_ns = clock.offset_ns, .clock_error_ns = clock.error_ns,
                      .groups = trace.groups, .clock_samples = {{.iter = 0, .pad_ = 0, .offset_ns = clock.offset_ns,
                                                                 .error_ns = clock.error_ns}}};
    locator.begin_phase(HangLocator::Phase::trace_write, 0);
    if (root) create_output_directory(cfg.out);
    write_trace(world, {.path = cfg.out, .overwrite = cfg.overwrite}, header, trace.ops, me, trace.events,
                [&](hid_t file, bool writer) { write_sweep_tables(file, result, writer); });
    locator.end_phase();
    if (root) fmt::print(stderr, "flopwall: wrote {}{}\n", cfg.out, header.truncated ? " (truncated)" : "");
  }
  locator.stop_watchdog();
  if (root && result.stop_signal != 0)
    fmt::print(stderr, "flopwall: stopped by {}: kept the {} rows measured before it\n", signal_name(result.stop_signal),
               result.rows.size());
  // As nccl-tests: a wrong result anywhere fails the run.
  return result.wrong_total() > 0 ? k_exit_runtime_error : k_exit_ok;
}

}  // namespace

int collectives_command(int argc, char** argv, const std::vector<std::string>& args) {
  return run_mpi_job(argc, argv,
                     [&](const MpiEnvironment& mpi, const std::string& cmd) { return sweep_job(mpi, cmd, args); });
}

}  // namespace flopwall
