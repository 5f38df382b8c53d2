// `flopwall export FILE.h5 --format chrome`: a trace's events as a timeline
// that Perfetto's UI (https://ui.perfetto.dev) and chrome://tracing open
// (analysis/export/chrome_export.hpp). No MPI needed.
#include <boost/program_options.hpp>
#include <fmt/format.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <optional>

#include "analysis/export/chrome_export.hpp"
#include "analysis/export/export_output.hpp"
#include "analysis/export/iteration_range.hpp"
#include "analysis/export/thread_lanes.hpp"
#include "cli/commands.hpp"
#include "cli/option_values.hpp"
#include "cli/pending_file.hpp"
#include "core/error.hpp"
#include "core/version.hpp"
#include "trace/workload_sweep.hpp"

namespace flopwall {
namespace po = boost::program_options;
namespace fs = std::filesystem;
namespace {

// FILE.h5 → FILE.trace.json (FILE.pointK.trace.json for a sweep's point K);
// another name gets .trace.json appended.
std::string default_out(const std::string& trace, std::optional<std::size_t> point) {
  std::string stem = trace;
  if (stem.size() > 3 && stem.ends_with(".h5")) stem.resize(stem.size() - 3);
  if (point) stem += fmt::format(".point{}", *point);
  return stem + ".trace.json";
}

// An --out that can take the export: in an existing folder, not a folder or
// a device itself, and not the trace being read.
void check_out(const std::string& out, const std::string& trace) {
  const fs::path p(out);
  const fs::path dir = p.has_parent_path() ? p.parent_path() : fs::path(".");
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw UsageError(fmt::format("--out '{}': directory '{}' does not exist", out, dir.string()));
  struct stat st{};
  if (stat(out.c_str(), &st) != 0) return;  // a new file
  if (S_ISDIR(st.st_mode)) throw UsageError(fmt::format("--out '{}' is a directory; give a file name", out));
  if (!S_ISREG(st.st_mode))
    throw UsageError(
        fmt::format("--out '{}' is not a regular file; give a file name, or '-' for standard output", out));
  if (fs::equivalent(p, fs::path(trace), ec))
    throw UsageError(fmt::format("--out '{}' is the trace being exported; give another file name", out));
}

std::string sweep_values(const WorkloadSweep& sweep, std::size_t points) {
  std::string out;
  for (std::size_t k = 0; k < points && k < sweep.values.size(); ++k) out += (k ? ", " : "") + sweep.values[k];
  return out;
}

// What the export wrote, on stderr (stdout may be the document itself).
void report_export(const ChromeExportSummary& s, const ChromeExportOptions& options, const std::string& trace,
                   const std::string& out) {
  if (s.events == 0) {
    const std::string selected =
        options.iterations.whole() ? std::string("the iterations") : "--iters " + options.iterations.text();
    const std::string held = s.trace_last_iter < 0 ? std::string("it has no events")
                                                   : fmt::format("its iterations run 0 .. {}", s.trace_last_iter);
    fmt::print(stderr, "flopwall: {} of '{}' hold no events ({}); the timeline is empty\n", selected, trace, held);
  }
  if (s.crowded > 0)
    fmt::print(stderr, "flopwall: {} events overlapped more than {} others of their kind; they share a lane unnested\n",
               s.crowded, ThreadLanes::k_max_lanes + 1);
  if (s.before_origin > 0)
    fmt::print(stderr, "flopwall: {} events start before 0 even with times shifted by {} ns; Perfetto drops them\n",
               s.before_origin, s.ts_offset_ns);
  if (out.empty()) return;
  const std::string iters = s.events ? fmt::format("{} .. {}", s.first_iter, s.last_iter) : "none";
  const std::string shift =
      s.ts_offset_ns ? fmt::format("; times shifted by {} ns, so that none is before 0", s.ts_offset_ns) : "";
  fmt::print(stderr, "flopwall: wrote {} ({} events, {} flow events, iterations {}{})\n", out, s.events, s.flows, iters,
             shift);
}

}  // namespace

int export_command(int, char**, const std::vector<std::string>& args) {
  po::options_description opts("Usage: flopwall export FILE.h5 [--format chrome] [options]\n\nOptions");
  opts.add_options()("help,h", "show this help")(
      "format", po::value<std::string>()->default_value("chrome"),
      "chrome: the Trace Event Format (JSON) that https://ui.perfetto.dev and chrome://tracing open")(
      "out", po::value<std::string>(),
      "where to write (default: FILE.h5 → FILE.trace.json beside it); '-' for standard output")(
      "iters", po::value<std::string>(),
      "A:B: only timed iterations A .. B-1 (either may be left out: ':100', '50:')")(
      "point", po::value<std::string>(), "a workload sweep's point K (0-based, run order): its run's timeline")(
      "file", po::value<std::string>(), "trace file written by 'flopwall run', 'sweep' or 'collectives'");
  po::positional_options_description positional;
  positional.add("file", 1);
  const po::variables_map vm = parse_command_line(args, opts, positional, "export");
  if (vm.count("help")) {
    std::cout << opts;
    return k_exit_ok;
  }
  const std::string format = vm["format"].as<std::string>();
  if (format != "chrome") throw UsageError(fmt::format("--format '{}' is not valid; valid: chrome", format));
  if (!vm.count("file"))
    throw UsageError("flopwall export needs a trace file: flopwall export FILE.h5 --format chrome");
  const std::string path = vm["file"].as<std::string>();
  ChromeExportOptions options;
  options.exported_by = fmt::format("flopwall {}", build_info::k_version);
  if (vm.count("iters")) options.iterations = parse_iteration_range(vm["iters"].as<std::string>());
  if (vm.count("point"))
    options.point = static_cast<std::size_t>(parse_integer_option(
        vm["point"].as<std::string>(), "--point", 0, static_cast<std::int64_t>(k_max_sweep_points) - 1));
  const std::string out = vm.count("out") ? vm["out"].as<std::string>() : default_out(path, options.point);
  const bool to_stdout = out == "-";
  if (!to_stdout) check_out(out, path);

  // Everything but the event rows is checked here, before any output exists.
  TraceStream stream = options.point ? TraceStream(path, *options.point) : TraceStream(path);
  if (stream.sweep() && !options.point)
    throw UsageError(fmt::format("'{}' is a workload sweep of {} points ({} = {}); export one with --point K, K in "
                                 "0 .. {}",
                                 path, stream.sweep_points(), stream.sweep()->param,
                                 sweep_values(*stream.sweep(), stream.sweep_points()), stream.sweep_points() - 1));

  std::optional<PendingFile> file;
  if (!to_stdout) file.emplace(out);
  ExportOutput output(to_stdout ? stdout : file->file(),
                      to_stdout ? std::string("to standard output") : fmt::format("'{}'", out));
  const ChromeExportSummary summary = write_chrome_trace(stream, options, output);
  output.finish();
  if (file) file->publish();

  report_export(summary, options, path, to_stdout ? std::string() : out);
  return k_exit_ok;
}

}  // namespace flopwall
