// `flopwall calibrate`: measures the ceilings a run's figures are read
// against, per rank (GEMM FLOP/s per dtype, triad bandwidth, the smallest
// op) and per communicator tier (the allreduce's alpha and beta), and writes
// them as one JSON file (trace/calibration_json.hpp, docs/metrics.md).
#include <boost/program_options.hpp>
#include <fmt/format.h>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "cli/calibration_job.hpp"
#include "cli/commands.hpp"
#include "cli/input_limits.hpp"
#include "cli/mpi_job.hpp"
#include "cli/pending_file.hpp"
#include "core/error.hpp"
#include "runtime/backends.hpp"

namespace flopwall {
namespace {

namespace po = boost::program_options;

struct CalibrateOptions {
  std::string out;  // empty: results/<UTC timestamp>-calibration.json
  bool overwrite = false;
  std::string backend;
  std::vector<DType> dtypes;
  int threads = 1;
  double seconds = 10;
  double timeout_s = 300;
  bool help = false;
  std::string help_text;
};

// The longest budget: a calibration is minutes at most, never hours.
constexpr double k_max_seconds = 3600;

std::vector<DType> parse_dtype_list(const std::string& text) {
  std::vector<DType> out;
  std::stringstream in(text);
  std::string word;
  while (std::getline(in, word, ',')) {
    if (word.empty())
      throw UsageError(fmt::format("--dtype '{}' has an empty name; give a comma-separated list such as fp32,fp64", text));
    const DType t = parse_dtype(word);
    if (std::find(out.begin(), out.end(), t) == out.end()) out.push_back(t);
  }
  if (out.empty()) throw UsageError("--dtype '' names no dtype; give a comma-separated list such as fp32,fp64");
  return out;
}

CalibrateOptions parse_calibrate_options(const std::vector<std::string>& args) {
  CalibrateOptions o;
  po::options_description opts("Usage: [mpirun -np N] flopwall calibrate [options]\n\nOptions");
  opts.add_options()("help,h", "show this help")
      ("out", po::value<std::string>(), "JSON file to write (default: results/<UTC timestamp>-calibration.json)")
      ("overwrite", po::bool_switch(), "replace an existing --out file")
      ("backend", po::value<std::string>(), "cpu | cuda (default: cuda when built and a device is visible, else cpu)")
      ("dtype", po::value<std::string>(), "comma-separated GEMM dtypes (default: every dtype the backend runs)")
      ("seconds", po::value<std::string>()->default_value("10"), "budget per rank for the device measurements; "
                                                                  "the GEMM size and call counts follow from it")
      ("threads", po::value<std::string>()->default_value("1"), "OpenBLAS threads per rank (cpu)")
      ("timeout", po::value<std::string>()->default_value("300"), "seconds without progress before the job ends");
  po::variables_map vm;
  try {
    const po::parsed_options parsed = po::command_line_parser(args).options(opts).run();
    for (const po::option& opt : parsed.options)
      if (opt.position_key >= 0) refuse_positional("calibrate", opt.value.empty() ? opt.string_key : opt.value.front());
    po::store(parsed, vm);
    po::notify(vm);
  } catch (const po::error& e) {
    throw UsageError(fmt::format("flopwall calibrate: {}; see 'flopwall calibrate --help'", e.what()));
  }
  if (vm.count("help")) {
    o.help = true;
    o.help_text = (std::ostringstream() << opts).str();
    return o;
  }
  if (vm.count("out")) {
    o.out = vm["out"].as<std::string>();
    if (o.out.empty()) throw UsageError("--out '' is not valid; give a file path such as results/calibration.json");
  }
  o.overwrite = vm["overwrite"].as<bool>();
  if (vm.count("backend")) {
    o.backend = vm["backend"].as<std::string>();
    if (!is_backend_name(o.backend))
      throw UsageError(fmt::format("--backend '{}' is not valid; valid: {}", o.backend, backend_names()));
  }
  if (vm.count("dtype")) o.dtypes = parse_dtype_list(vm["dtype"].as<std::string>());
  o.seconds = parse_real_option(vm["seconds"].as<std::string>(), "--seconds", 0, true, k_max_seconds,
                                "a finite number of seconds");
  o.threads = static_cast<int>(parse_integer_option(vm["threads"].as<std::string>(), "--threads", 1, limits::k_max_threads));
  o.timeout_s = parse_real_option(vm["timeout"].as<std::string>(), "--timeout", 0, true, limits::k_max_timeout_s,
                                  "a finite number of seconds");
  return o;
}

// Written beside its name and renamed into place (pending_file.hpp): no
// half-written file is ever left under the name asked for.
void write_file(const std::string& path, const std::string& text) {
  PendingFile file(path);
  const std::string line = text + '\n';
  if (std::fwrite(line.data(), 1, line.size(), file.file()) != line.size())
    throw std::runtime_error(fmt::format("cannot write {}", path));
  file.publish();
}

int calibrate_job(const MpiEnvironment& mpi, const std::vector<std::string>& args) {
  const MPI_Comm world = MPI_COMM_WORLD;
  const bool root = mpi.rank() == 0;
  CalibrateOptions o;
  agreed(world, [&] { o = parse_calibrate_options(args); });
  if (o.help) {
    if (root) fmt::print("{}", o.help_text);
    return k_exit_ok;
  }
  std::string note;
  o.backend = resolve_backend_everywhere(o.backend, note);
  if (root && o.out.empty())
    o.out = std::filesystem::path(default_output_path("calibration")).replace_extension(".json").string();
  o.out = broadcast_string(world, o.out);
  agree_on_usage_error(world, output_path_problem(o.out, o.overwrite));
  if (root && !note.empty()) fmt::print(stderr, "flopwall: {}\n", note);

  std::vector<std::string> notes;
  const Calibration c = measure_calibration({.backend = o.backend, .dtypes = o.dtypes, .threads = o.threads,
                                             .seconds = o.seconds, .timeout_s = o.timeout_s, .source = "calibrate"},
                                            mpi, notes);
  if (root) {
    create_output_directory(o.out);
    write_file(o.out, calibration_to_string(c));
    std::cout << calibration_summary(c);
    for (const std::string& n : notes) std::cout << "  note: " << n << '\n';
    std::cout.flush();
    fmt::print(stderr, "flopwall: wrote {}\n", o.out);
  }
  return k_exit_ok;
}

}  // namespace

int calibrate_command(int argc, char** argv, const std::vector<std::string>& args) {
  return run_mpi_job(argc, argv, [&](const MpiEnvironment& mpi, const std::string&) { return calibrate_job(mpi, args); });
}

}  // namespace flopwall
