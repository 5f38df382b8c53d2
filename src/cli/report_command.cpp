// `flopwall report FILE.h5`: analysis of a trace, no MPI needed.
#include <boost/program_options.hpp>
#include <fmt/format.h>

#include <iostream>

#include "analysis/report.hpp"
#include "cli/commands.hpp"
#include "core/error.hpp"
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
  // A collective sweep's trace also holds /collectives: the report decides
  // once, by that, which sections it shows.
  const Report report = Report::build(trace, path, read_sweep_tables(path));
  if (format == "json")
    std::cout << dump_json(report.json()) << '\n';
  else if (format == "csv")
    std::cout << report.csv();
  else
    std::cout << report.text();
  return k_exit_ok;
}

}  // namespace flopwall
