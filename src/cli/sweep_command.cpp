// `flopwall sweep`: the workload of `flopwall run` at each value of one of
// its flags, inside one MPI job, written as one trace with a group per point
// (docs/trace-format.md, "Workload sweep traces"). Every point is checked
// before the first one runs, so a value that cannot run costs nothing.
#include <boost/program_options.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <sstream>
#include <string>

#include "cli/commands.hpp"
#include "cli/input_limits.hpp"
#include "cli/mpi_job.hpp"
#include "cli/run_execution.hpp"
#include "core/error.hpp"
#include "core/version.hpp"
#include "runtime/graceful_stop.hpp"
#include "runtime/run_metadata.hpp"
#include "trace/trace_writer.hpp"
#include "trace/workload_sweep.hpp"

namespace flopwall {
namespace {

namespace po = boost::program_options;

// The largest --slo-p99-ms: a day.
constexpr double k_max_slo_ms = 86'400'000;

struct SweepOptions {
  WorkloadSweep sweep;
  std::string flag;                   // the run option each point sets
  std::vector<std::string> run_args;  // after "--"
  bool help = false;
  std::string help_text;
};

std::vector<std::string> parse_values(const std::string& text) {
  constexpr const char* k_example = "give a comma-separated list of numbers such as 1,2,4,8";
  std::vector<std::string> values;
  std::vector<double> seen;
  std::stringstream in(text);
  std::string word;
  while (std::getline(in, word, ',')) {
    if (word.empty()) throw UsageError(fmt::format("--values '{}' has an empty entry; {}", text, k_example));
    const std::optional<double> number = parse_number(word);
    if (!number || !std::isfinite(*number))
      throw UsageError(fmt::format("--values entry '{}' is not a number; {}", word, k_example));
    const double v = *number;
    if (std::find(seen.begin(), seen.end(), v) != seen.end())
      throw UsageError(fmt::format("--values lists {} twice; give each value once", word));
    seen.push_back(v);
    values.push_back(word);
  }
  if (values.empty() || text.ends_with(','))
    throw UsageError(fmt::format("--values '{}' has an empty entry; {}", text, k_example));
  if (values.size() > k_max_sweep_points)
    throw UsageError(fmt::format("--values lists {} values; a sweep runs at most {}", values.size(), k_max_sweep_points));
  return values;
}

SweepOptions parse_sweep_options(const std::vector<std::string>& args) {
  SweepOptions o;
  const auto dashes = std::find(args.begin(), args.end(), "--");
  const std::vector<std::string> own(args.begin(), dashes);
  if (dashes != args.end()) o.run_args.assign(dashes + 1, args.end());

  po::options_description opts(
      "Usage: [mpirun -np N] flopwall sweep --param P --values LIST [--slo-p99-ms X] -- [run options]\n\n"
      "Runs `flopwall run` with the run options at each value of P, in one MPI job, and writes one trace\n"
      "with a group per point (--out among the run options names it).\n\nOptions");
  opts.add_options()("help,h", "show this help")
      ("param", po::value<std::string>(), ("the run flag to vary: " + sweep_param_names()).c_str())
      ("values", po::value<std::string>(), "comma-separated values, each run as one point, e.g. 1,2,4,8")
      ("slo-p99-ms", po::value<std::string>(),
       "p99 limit in ms on the step time (serve: the request latency); the report names the largest value within it");
  po::variables_map vm;
  try {
    const po::parsed_options parsed = po::command_line_parser(own).options(opts).run();
    for (const po::option& opt : parsed.options)
      if (opt.position_key >= 0) refuse_positional("sweep", opt.value.empty() ? opt.string_key : opt.value.front());
    po::store(parsed, vm);
    po::notify(vm);
  } catch (const po::error& e) {
    throw UsageError(fmt::format("flopwall sweep: {}; the run options go after '--' (see 'flopwall sweep --help')",
                                 e.what()));
  }
  if (vm.count("help")) {
    o.help = true;
    o.help_text = (std::ostringstream() << opts).str();
    return o;
  }
  if (!vm.count("param"))
    throw UsageError(fmt::format("flopwall sweep needs --param; valid: {}", sweep_param_names()));
  const std::string name = vm["param"].as<std::string>();
  const SweepParam* param = find_sweep_param(name);
  if (!param) throw UsageError(fmt::format("--param '{}' is not a sweep parameter; valid: {}", name, sweep_param_names()));
  o.sweep.param = name;
  o.flag = std::string(param->flag);
  if (!vm.count("values")) throw UsageError("flopwall sweep needs --values, a comma-separated list such as 1,2,4,8");
  o.sweep.values = parse_values(vm["values"].as<std::string>());
  if (vm.count("slo-p99-ms"))
    o.sweep.slo_p99_s = parse_real_option(vm["slo-p99-ms"].as<std::string>(), "--slo-p99-ms", 0, true, k_max_slo_ms,
                                          "a p99 limit in milliseconds") / 1e3;
  for (const std::string& a : o.run_args)
    if (a == o.flag || a.starts_with(o.flag + "="))
      throw UsageError(fmt::format("{} is what the sweep varies; drop it from the run options (--values gives its values)",
                                   o.flag));
  return o;
}

int sweep_job(const MpiEnvironment& mpi, const std::string& cmd, const std::vector<std::string>& args) {
  const MPI_Comm world = MPI_COMM_WORLD;
  const bool root = mpi.rank() == 0;
  SweepOptions o;
  agreed(world, [&] { o = parse_sweep_options(args); });
  if (o.help) {
    if (root) fmt::print("{}", o.help_text);
    return k_exit_ok;
  }
  // Every point is checked (layout, counts, memory) before anything runs.
  std::vector<CheckedRun> points;
  for (const std::string& value : o.sweep.values) {
    std::vector<std::string> point_args = o.run_args;
    point_args.insert(point_args.end(), {o.flag, value});
    points.push_back(check_run(mpi, point_args));
    if (points.back().cfg.help) {
      if (root) fmt::print("{}", points.back().cfg.help_text);
      return k_exit_ok;
    }
  }
  RunConfig& first = points.front().cfg;
  std::string out = first.out;
  if (root && out.empty()) out = default_output_path("sweep");
  out = broadcast_string(world, out);
  agree_on_usage_error(world, output_path_problem(out, first.overwrite));
  for (CheckedRun& p : points) p.cfg.out = out;  // config_json names the file the points went to

  JobMeasurements once;
  std::vector<RunOutcome> outcomes;
  int stop = 0;
  for (std::size_t i = 0; i < points.size() && stop == 0; ++i) {
    // One hang locator at a time: the previous point's is done (freeing it is collective).
    if (!outcomes.empty()) outcomes.back().locator.reset();
    if (root && !first.quiet)
      fmt::print(stderr, "flopwall: sweep point {}/{}: {} {}\n", i + 1, points.size(), o.flag, o.sweep.values[i]);
    RunOutcome outcome = execute_run(mpi, points[i], once);
    stop = outcome.loop.stop_signal;
    if (outcome.loop.iterations == 0) break;  // stopped before its first timed iteration: the point is dropped
    outcomes.push_back(std::move(outcome));
  }
  if (outcomes.empty()) {
    if (root)
      fmt::print(stderr, "flopwall: stopped by {} before the first point's first timed iteration; no trace written\n",
                 signal_name(stop));
    return k_exit_ok;
  }

  std::vector<SweepPointSource> sources;
  bool truncated = outcomes.size() < points.size();
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    RunOutcome& r = outcomes[i];
    const std::span<const TraceEvent> events = r.recorder.events();
    const bool point_truncated = r.loop.iterations < points[i].cfg.iterations && !r.loop.duration_reached;
    truncated = truncated || point_truncated;
    sources.push_back({.value = o.sweep.values[i], .config_json = run_config_json(points[i].cfg, points[i].layout),
                       .moe_json = r.moe_json, .truncated = point_truncated, .ops = r.ops,
                       .mine = {{.rank = mpi.rank(), .info = r.rank, .event_count = events.size(),
                                 .events = [events] { return events; }}}});
  }
  TraceHeader header{.tool_version = build_info::k_version,
                     .created_utc = utc_timestamp_iso(),
                     .command_line = cmd,
                     .config_json = sources.front().config_json,
                     .world_size = mpi.size(),
                     .backend = first.backend,
                     .truncated = truncated,
                     .meta = job_meta(mpi, first, once),
                     .environment = captured_environment(),
                     .sweep_json = sweep_to_json(o.sweep)};
  HangLocator& locator = *outcomes.back().locator;  // the last point's, still watching
  locator.begin_phase(HangLocator::Phase::trace_write, outcomes.back().loop.iterations);
  if (root) create_output_directory(out);
  write_sweep_trace(world, {.path = out, .overwrite = first.overwrite}, header, sources);
  locator.end_phase();
  locator.stop_watchdog();
  if (root && truncated)
    fmt::print(stderr, "flopwall: stopped by {}: kept {} of {} points; wrote {} (truncated); see 'flopwall report {}'\n",
               signal_name(stop), outcomes.size(), points.size(), out, out);
  else if (root)
    fmt::print(stderr, "flopwall: wrote {} ({} points of {}, {} ranks); see 'flopwall report {}'\n", out,
               outcomes.size(), o.flag, mpi.size(), out);
  return k_exit_ok;
}

}  // namespace

int sweep_command(int argc, char** argv, const std::vector<std::string>& args) {
  return run_mpi_job(argc, argv, [&](const MpiEnvironment& mpi, const std::string& cmd) { return sweep_job(mpi, cmd, args); });
}

}  // namespace flopwall
