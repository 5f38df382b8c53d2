// `flopwall report FILE.h5`: analysis of a trace; no MPI needed, and
// `mpirun -np K flopwall report FILE.h5` shares the work (report_parallel.hpp).
#include <boost/program_options.hpp>
#include <fmt/format.h>

#include <iostream>

#include "cli/commands.hpp"
#include "cli/option_values.hpp"
#include "cli/report_output.hpp"
#include "cli/report_parallel.hpp"
#include "core/error.hpp"
#include "trace/workload_sweep.hpp"

namespace flopwall {
namespace po = boost::program_options;

int report_command(int argc, char** argv, const std::vector<std::string>& args) {
  po::options_description opts("Usage: flopwall report FILE.h5 [options]\n\nOptions");
  opts.add_options()("help,h", "show this help")(
      "format", po::value<std::string>()->default_value("text"), "text | json | csv")(
      "point", po::value<std::string>(), "a workload sweep's point K (0-based, run order): its whole run report")(
      "file", po::value<std::string>(), "trace file written by 'flopwall run'");
  po::positional_options_description positional;
  positional.add("file", 1);
  const po::variables_map vm = parse_command_line(args, opts, positional, "report");
  if (vm.count("help")) {
    std::cout << opts;
    return k_exit_ok;
  }
  const std::string format = output_format(vm);
  if (!vm.count("file")) throw UsageError("flopwall report needs a trace file: flopwall report FILE.h5");

  const std::string path = vm["file"].as<std::string>();
  std::optional<std::size_t> point;
  if (vm.count("point"))
    point = static_cast<std::size_t>(
        parse_integer_option(vm["point"].as<std::string>(), "--point", 0, static_cast<std::int64_t>(k_max_sweep_points) - 1));
  // Under `mpirun -np K`, the processes split the trace's iterations.
  if (launched_with_peers()) return report_with_peers(argc, argv, path, format, point);
  std::cout << report_alone(path, format, point);
  return k_exit_ok;
}

}  // namespace flopwall
