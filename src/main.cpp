// flopwall: FLOPs are the plan, seconds are the truth.
#include <fmt/format.h>

#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "cli/gemm_probe.hpp"
#include "core/error.hpp"

namespace {

constexpr const char* k_usage =
    "Usage: flopwall <command> [options]\n"
    "\n"
    "Commands:\n"
    "  run       run transformer layers on every MPI rank and write an HDF5 trace\n"
    "  sweep     run the workload at each value of one flag (batch, tp, ...) and find the knee\n"
    "  collectives  sweep collectives over sizes (nccl-tests' flags), per topology tier\n"
    "  report    summarise a trace: FLOPs next to seconds, per op and per rank\n"
    "  export    a trace as a timeline (--format chrome): open it in https://ui.perfetto.dev or chrome://tracing\n"
    "  compare   runs side by side: ratios to a baseline with confidence intervals; a regression gate\n"
    "  doctor    check the job's nodes before a long run: BLAS kernel, binding, transports, GPUs\n"
    "  calibrate measure each rank's GEMM FLOP/s, memory bandwidth and each tier's allreduce alpha/beta (JSON)\n"
    "\n"
    "  flopwall --version    versions, git revision and compiled-in backends\n"
    "  flopwall <command> --help\n";

int dispatch(int argc, char** argv) {
  if (argc < 2) {
    std::fputs(k_usage, stderr);
    return flopwall::k_exit_usage_error;
  }
  const std::string command = argv[1];
  const std::vector<std::string> args(argv + 2, argv + argc);
  if (command == "--version" || command == "version") return flopwall::version_command();
  if (command == "--help" || command == "-h" || command == "help") {
    std::fputs(k_usage, stdout);
    return flopwall::k_exit_ok;
  }
  if (command == "run") return flopwall::run_command(argc, argv, args);
  if (command == "sweep") return flopwall::sweep_command(argc, argv, args);
  if (command == "collectives") return flopwall::collectives_command(argc, argv, args);
  if (command == "report") return flopwall::report_command(argc, argv, args);
  if (command == "export") return flopwall::export_command(argc, argv, args);
  if (command == "compare") return flopwall::compare_command(argc, argv, args);
  if (command == "doctor") return flopwall::doctor_command(argc, argv, args);
  if (command == "calibrate") return flopwall::calibrate_command(argc, argv, args);
  // The doctor's BLAS probe runs itself as a child: never under MPI.
  if (command == "gemm-probe") return flopwall::gemm_probe_command(args);
  throw flopwall::UsageError(fmt::format("'{}' is not a flopwall command; valid: run, sweep, collectives, report, export, compare, doctor, calibrate, --version", command));
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return dispatch(argc, argv);
  } catch (const flopwall::UsageError& e) {
    fmt::print(stderr, "flopwall: error: {}\n", e.what());
    return flopwall::k_exit_usage_error;
  } catch (const std::exception& e) {
    fmt::print(stderr, "rank {}: {}\n", std::max(0, flopwall::process_rank()), e.what());
    return flopwall::k_exit_runtime_error;
  }
}
