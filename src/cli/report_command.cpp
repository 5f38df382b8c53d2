// `flopwall report FILE.h5`: analysis of a trace; no MPI needed, and
// `mpirun -np K flopwall report FILE.h5` shares the work (report_parallel.hpp).
#include <boost/program_options.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <iostream>

#include "cli/commands.hpp"
#include "cli/option_values.hpp"
#include "cli/report_assets.hpp"
#include "cli/report_output.hpp"
#include "cli/report_parallel.hpp"
#include "core/error.hpp"
#include "trace/workload_sweep.hpp"

namespace flopwall {
namespace po = boost::program_options;

namespace {

constexpr std::size_t k_max_reported_files = 64;

// `flopwall report A.h5 B.h5 [...]`: their reports and comparison, on one process.
int report_several(const std::vector<std::string>& files, const std::string& format, const po::variables_map& vm,
                   const std::optional<std::string>& out) {
  if (format != "json" && format != "html")
    throw UsageError(fmt::format("a report of {} files is --format json or html, not {}; for text, "
                                 "flopwall compare {} {} [...]",
                                 files.size(), format, files[0], files[1]));
  if (vm.count("point")) throw UsageError("--point takes one workload sweep file, not several");
  if (files.size() > k_max_reported_files)
    throw UsageError(fmt::format("flopwall report takes at most {} files, not {}", k_max_reported_files, files.size()));
  for (std::size_t i = 0; i < files.size(); ++i)
    if (std::find(files.begin() + static_cast<std::ptrdiff_t>(i) + 1, files.end(), files[i]) != files.end())
      throw UsageError(fmt::format("flopwall report: '{}' is given twice; give each file once", files[i]));
  if (launched_with_peers())
    throw UsageError("a report of several files runs on one process: run it without mpirun");
  emit_report(report_of_files(files, format), out);
  return k_exit_ok;
}

}  // namespace

int report_command(int argc, char** argv, const std::vector<std::string>& args) {
  po::options_description opts(
      "Usage: flopwall report FILE.h5 [options]\n"
      "       flopwall report A.h5 B.h5 [...] --format json|html   (each report, and their comparison)\n\nOptions");
  opts.add_options()("help,h", "show this help")(
      "format", po::value<std::string>()->default_value("text"),
      "text | json | csv | html (one self-contained page with charts; docs/visuals.md)")(
      "out,o", po::value<std::string>(), "write the report to FILE (written whole, then renamed into place), not to standard output")(
      "point", po::value<std::string>(), "a workload sweep's point K (0-based, run order): its whole run report")(
      "file", po::value<std::vector<std::string>>(), "trace files written by 'flopwall run', 'sweep' or 'collectives'");
  po::positional_options_description positional;
  positional.add("file", -1);
  const po::variables_map vm = parse_command_line(args, opts, positional, "report");
  if (vm.count("help")) {
    std::cout << opts;
    return k_exit_ok;
  }
  const std::string format = output_format(vm, {"html"});
  if (format == "html" && report_page_assets().chart_js.empty())
    throw UsageError(
        "--format html needs the chart library, which this flopwall was built without: install libjs-chart.js "
        "(apt-get install libjs-chart.js) and rebuild");
  std::optional<std::string> out;
  if (vm.count("out")) out = vm["out"].as<std::string>();
  if (out && out->empty()) throw UsageError("--out '' is not valid; give a file name");
  if (!vm.count("file")) throw UsageError("flopwall report needs a trace file: flopwall report FILE.h5");
  const auto files = vm["file"].as<std::vector<std::string>>();
  if (files.size() > 1) return report_several(files, format, vm, out);

  const std::string path = files.front();
  std::optional<std::size_t> point;
  if (vm.count("point"))
    point = static_cast<std::size_t>(
        parse_integer_option(vm["point"].as<std::string>(), "--point", 0, static_cast<std::int64_t>(k_max_sweep_points) - 1));
  // Under `mpirun -np K`, the processes split the trace's iterations.
  if (launched_with_peers()) return report_with_peers(argc, argv, path, format, point, out);
  emit_report(report_alone(path, format, point), out);
  return k_exit_ok;
}

}  // namespace flopwall
