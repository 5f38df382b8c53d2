// `flopwall report FILE.h5`: analysis of a trace, no MPI needed.
#include <boost/program_options.hpp>
#include <fmt/format.h>

#include <iostream>

#include "analysis/report_printers.hpp"
#include "analysis/sync_report.hpp"
#include "cli/commands.hpp"
#include "core/error.hpp"
#include "analysis/sweep_printers.hpp"
#include "trace/sweep_tables.hpp"
#include "trace/trace_reader.hpp"

namespace flopwall {
namespace po = boost::program_options;
namespace {

// Strings from a trace (host names, the command line, /meta) need not be
// valid UTF-8; JSON output replaces such bytes instead of failing.
std::string dump_json(const nlohmann::json& j) {
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

int report_command(const std::vector<std::string>& args) {
  po::options_description opts("Usage: flopwall report FILE.h5 [options]\n\nOptions");
  opts.add_options()("help,h", "show this help")(
      "format", po::value<std::string>()->default_value("text"), "text | json | csv")(
      "file", po::value<std::string>(), "trace file written by 'flopwall run'");
  po::positional_options_description positional;
  positional.add("file", 1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(opts).positional(positional).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    throw UsageError(fmt::format("flopwall report: {}; see 'flopwall report --help'", e.what()));
  }
  if (vm.count("help")) {
    std::cout << opts;
    return k_exit_ok;
  }
  const std::string format = vm["format"].as<std::string>();
  if (format != "text" && format != "json" && format != "csv")
    throw UsageError(fmt::format("--format '{}' is not valid; valid: text, json, csv", format));
  if (!vm.count("file")) throw UsageError("flopwall report needs a trace file: flopwall report FILE.h5");

  const std::string path = vm["file"].as<std::string>();
  // Both readers validate everything they return (trace_validation.hpp): a
  // damaged file ends here with one line, before any analysis.
  const TraceData trace = read_trace(path);
  // A collective sweep's trace: its /collectives table is the report.
  if (const auto sweep = read_sweep_tables(path)) {
    const SyncReport sync = analyze_sync(trace, {});
    if (format == "json") {
      nlohmann::json j = sweep_json(*sweep);
      j["truncated"] = trace.header.truncated;
      j["sync"] = sync_json(sync);
      std::cout << dump_json(j) << '\n';
    }
    else if (format == "csv")
      std::cout << render_sweep_csv(*sweep);
    else
      std::cout << render_sweep_text(*sweep, fmt::format("flopwall report {}: collective sweep, backend {} ({}), {} "
                                                         "ranks, created {}{}",
                                                         path, sweep->backend, sweep->transport, sweep->world_size,
                                                         trace.header.created_utc,
                                                         trace.header.truncated ? " (truncated: stopped early)" : ""))
                << render_sync_text(sync);
    return k_exit_ok;
  }
  const RunReport report = analyze_run(trace, path);
  if (format == "json")
    std::cout << dump_json(report_json(report)) << '\n';
  else if (format == "csv")
    std::cout << render_csv(report);
  else
    std::cout << render_text(report);
  return k_exit_ok;
}

}  // namespace flopwall
