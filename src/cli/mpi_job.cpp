#include "cli/mpi_job.hpp"

#include <fmt/format.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "core/error.hpp"
#include "runtime/graceful_stop.hpp"
#include "runtime/hang_locator.hpp"
#include "runtime/run_metadata.hpp"
#include "runtime/topology_presets.hpp"
#include "trace/output_file.hpp"

namespace flopwall {
namespace fs = std::filesystem;
namespace {

constexpr const char* k_default_dir = "results";

const char* file_kind(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISLNK(mode)) return "a symbolic link";
  return "not a regular file";
}

// A failure every rank knows of (bad input, or an agreed JobFailure): rank
// 0 says it, and since mpirun kills the job when the first rank exits
// non-zero, before any rank leaves the barrier. No abort is needed.
int say_once(const MpiEnvironment& mpi, const char* prefix, const std::exception& e, int exit_code) {
  if (mpi.rank() == 0) fmt::print(stderr, "{}{}\n", prefix, e.what());
  std::fflush(stderr);
  MPI_Barrier(MPI_COMM_WORLD);
  return exit_code;
}

}  // namespace

int run_mpi_job(int argc, char** argv, const std::function<int(const MpiEnvironment&, const std::string&)>& job) {
  std::string command_line;
  for (int i = 0; i < argc; ++i) command_line += (i ? " " : "") + std::string(argv[i]);
  // Before anything slow: a SIGUSR1 (status request) must never kill a rank.
  install_status_signal();
  // Before MPI_Init too: a stop that comes while the job starts (SLURM's
  // warning signal, due at once when --time is short) must not kill a rank.
  install_stop_signals();
  // --topology sets variables MPI_Init and NCCL read: before either runs. A
  // bad name is refused below, once MPI can agree on it.
  std::optional<std::string> topology_problem;
  if (const auto topology = topology_in_args(argc, argv)) topology_problem = apply_topology(*topology);
  MpiEnvironment mpi(argc, argv);
  install_stop_signals();  // again after MPI_Init, whose runtime may set handlers of its own
  try {
    agree_on_usage_error(MPI_COMM_WORLD, topology_problem);
    return job(mpi, command_line);
  } catch (const UsageError& e) {
    return say_once(mpi, "flopwall: error: ", e, k_exit_usage_error);
  } catch (const JobFailure& e) {
    return say_once(mpi, "rank 0: ", e, k_exit_runtime_error);
  } catch (const std::exception& e) {
    // Peers may be blocked in a collective: abort the whole job, never hang.
    fmt::print(stderr, "rank {}: {}\n", mpi.rank(), e.what());
    std::fflush(stderr);
    MPI_Abort(MPI_COMM_WORLD, k_exit_runtime_error);
  }
  return k_exit_runtime_error;
}

std::optional<std::string> output_path_problem(const std::string& path, bool overwrite) {
  if (path.empty()) return "--out '' is not valid; give a file path such as results/run.h5";
  const fs::path p(path);
  const std::string base = p.filename().string();
  if (base.empty() || base == "." || base == "..")
    return fmt::format("--out '{}' names a directory; give a file path such as {}/run.h5", path, path);
  if (base.size() > NAME_MAX)
    return fmt::format("--out '{}...' has a file name of {} bytes; at most {} are valid", path.substr(0, 40),
                       base.size(), NAME_MAX);
  if (path.size() >= PATH_MAX)
    return fmt::format("--out '{}...' is {} bytes long; at most {} are valid", path.substr(0, 40), path.size(),
                       PATH_MAX - 1);
  struct stat st{};
  if (lstat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode))
      return fmt::format("--out '{}' is a directory; give a file path such as {}/run.h5", path, path);
    if (!S_ISREG(st.st_mode))
      return fmt::format("--out '{}' is {}, which is never replaced; give a path for a regular .h5 file", path,
                         file_kind(st.st_mode));
    if (!overwrite)
      return fmt::format("--out '{}' already exists; give --overwrite to replace it, or another path", path);
  }
  fs::path dir = p.has_parent_path() ? p.parent_path() : fs::path(".");
  std::error_code ec;
  // The default folder is created only when the trace is written.
  if (dir == k_default_dir && !fs::exists(dir, ec)) dir = ".";
  if (!fs::is_directory(dir, ec))
    return fmt::format("--out '{}' cannot be written: directory '{}' does not exist", path, dir.string());
  if (access(dir.c_str(), W_OK) != 0)
    return fmt::format("--out '{}' cannot be written: directory '{}' is not writable", path, dir.string());
  return std::nullopt;
}

std::string default_output_path(const std::string& what) {
  // Unique per job and array task: UTC to the millisecond, the batch
  // system's ids when there are any, and a random suffix for the rest.
  const std::string job = slurm_job_tag();
  return fmt::format("{}/{}{}{}-{}-{}.h5", k_default_dir, utc_timestamp_compact(), job.empty() ? "" : "-", job,
                     random_hex(6), what);
}

void create_output_directory(const std::string& path) {
  const fs::path p(path);
  if (!p.has_parent_path()) return;
  std::error_code ec;
  fs::create_directories(p.parent_path(), ec);  // a failure shows as the write's own error
}

}  // namespace flopwall
