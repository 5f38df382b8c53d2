// `flopwall compare A.h5 B.h5 [...]`: runs side by side, as ratios to a
// baseline with bootstrap intervals; `--fail-if-slower PCT` makes it a gate
// (exit 1) for a CI pipeline. No MPI needed.
#include <boost/program_options.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <iostream>

#include "analysis/compare/comparison.hpp"
#include "analysis/compare/comparison_output.hpp"
#include "cli/commands.hpp"
#include "cli/option_values.hpp"
#include "core/error.hpp"

namespace flopwall {
namespace po = boost::program_options;
namespace {

constexpr std::size_t k_max_compared_files = 64;

// The files in order; --baseline names one of them, or is put first.
std::pair<std::vector<std::string>, std::size_t> files_and_baseline(std::vector<std::string> files,
                                                                    const po::variables_map& vm) {
  std::size_t baseline = 0;
  if (vm.count("baseline")) {
    const std::string b = vm["baseline"].as<std::string>();
    const auto it = std::find(files.begin(), files.end(), b);
    if (it == files.end()) files.insert(files.begin(), b);
    else baseline = static_cast<std::size_t>(it - files.begin());
  }
  if (files.size() < 2)
    throw UsageError("flopwall compare needs two or more trace files: flopwall compare A.h5 B.h5 [...] (or one and --baseline FILE)");
  if (files.size() > k_max_compared_files)
    throw UsageError(fmt::format("flopwall compare takes at most {} files, not {}", k_max_compared_files, files.size()));
  for (std::size_t i = 0; i < files.size(); ++i)
    if (std::find(files.begin() + static_cast<std::ptrdiff_t>(i) + 1, files.end(), files[i]) != files.end())
      throw UsageError(fmt::format("flopwall compare: '{}' is given twice; give each file once", files[i]));
  return {files, baseline};
}

}  // namespace

int compare_command(int, char**, const std::vector<std::string>& args) {
  po::options_description opts("Usage: flopwall compare A.h5 B.h5 [...] [options]\n\nOptions");
  opts.add_options()("help,h", "show this help")(
      "baseline", po::value<std::string>(), "the file the others are measured against (default: the first)")(
      "format", po::value<std::string>()->default_value("text"), "text | json | csv")(
      "fail-if-slower", po::value<std::string>(),
      "exit 1 when a run's median time (step, op or collective size) is significantly slower than the baseline's by "
      "more than PCT percent")(
      "noise", po::value<std::string>()->default_value("5"),
      "PCT: a ratio within 1 ± PCT% is never called significant (run-to-run noise)")(
      "files", po::value<std::vector<std::string>>(), "trace files written by run, sweep or collectives");
  po::positional_options_description positional;
  positional.add("files", -1);
  const po::variables_map vm = parse_command_line(args, opts, positional, "compare");
  if (vm.count("help")) {
    std::cout << opts;
    return k_exit_ok;
  }
  const std::string format = output_format(vm);
  CompareOptions options;
  options.noise = parse_real_option(vm["noise"].as<std::string>(), "--noise", 0, false, 100, "a percentage") / 100;
  if (vm.count("fail-if-slower"))
    options.fail_if_slower =
        parse_real_option(vm["fail-if-slower"].as<std::string>(), "--fail-if-slower", 0, false, 1000, "a percentage") / 100;
  auto [files, baseline] =
      files_and_baseline(vm.count("files") ? vm["files"].as<std::vector<std::string>>() : std::vector<std::string>{}, vm);
  options.baseline = baseline;

  // Every file is read (and checked) before anything is printed.
  std::vector<CompareRun> runs;
  for (const std::string& f : files) runs.push_back(read_compare_run(f));
  const Comparison comparison = compare_runs(std::move(runs), options);
  if (format == "json")
    std::cout << comparison_json(comparison).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
  else if (format == "csv")
    std::cout << comparison_csv(comparison);
  else
    std::cout << comparison_text(comparison);
  return comparison.regressions.empty() ? k_exit_ok : k_exit_regression;
}

}  // namespace flopwall
