#include "cli/mpi_job.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "core/error.hpp"
#include "runtime/hang_locator.hpp"
#include "runtime/run_metadata.hpp"

namespace flopwall {
namespace fs = std::filesystem;

int run_mpi_job(int argc, char** argv, const std::function<int(const MpiEnvironment&, const std::string&)>& job) {
  std::string command_line;
  for (int i = 0; i < argc; ++i) command_line += (i ? " " : "") + std::string(argv[i]);
  // Before anything slow: a SIGUSR1 (status request) must never kill a rank.
  install_status_signal();
  MpiEnvironment mpi(argc, argv);
  try {
    return job(mpi, command_line);
  } catch (const UsageError& e) {
    // mpirun kills the job when the first rank exits non-zero, so rank 0
    // says it before any rank leaves the barrier.
    if (mpi.rank() == 0) fmt::print(stderr, "flopwall: error: {}\n", e.what());
    std::fflush(stderr);
    MPI_Barrier(MPI_COMM_WORLD);
    return k_exit_usage_error;
  } catch (const std::exception& e) {
    // Peers may be blocked in a collective: abort the whole job, never hang.
    fmt::print(stderr, "rank {}: {}\n", mpi.rank(), e.what());
    std::fflush(stderr);
    MPI_Abort(MPI_COMM_WORLD, k_exit_runtime_error);
  }
  return k_exit_runtime_error;
}

std::optional<std::string> output_path_problem(const std::string& path) {
  const fs::path p(path);
  std::error_code ec;
  if (fs::is_directory(p, ec))
    return fmt::format("--out '{}' is a directory; give a file path such as {}/run.h5", path, path);
  const fs::path dir = p.has_parent_path() ? p.parent_path() : fs::path(".");
  if (!fs::is_directory(dir, ec))
    return fmt::format("--out '{}' cannot be written: directory '{}' does not exist", path, dir.string());
  if (access(dir.c_str(), W_OK) != 0)
    return fmt::format("--out '{}' cannot be written: directory '{}' is not writable", path, dir.string());
  return std::nullopt;
}

std::string default_output_path(const std::string& what) {
  std::error_code ec;
  fs::create_directories("results", ec);
  return fmt::format("results/{}-{}.h5", utc_timestamp_compact(), what);
}

}  // namespace flopwall
