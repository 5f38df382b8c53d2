#include "runtime/run_metadata.hpp"

#include <boost/version.hpp>
#include <cblas.h>
#include <fmt/chrono.h>
#include <fmt/format.h>
#include <hdf5.h>
#include <hwloc.h>
#include <mpi.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdlib>
#include <string_view>

#include "core/version.hpp"
#include "platform/host_info.hpp"
#include "runtime/backends.hpp"

extern char** environ;

namespace flopwall {
namespace {

std::string mpi_library_version() {
  // Allowed before MPI_Init (MPI-3), so --version works without mpirun.
  std::array<char, MPI_MAX_LIBRARY_VERSION_STRING> text{};
  int len = 0;
  if (MPI_Get_library_version(text.data(), &len) != MPI_SUCCESS) return "unknown";
  std::string v(text.data(), static_cast<std::size_t>(len));
  const auto newline = v.find_first_of("\r\n,");
  return newline == std::string::npos ? v : v.substr(0, newline);
}

std::string hdf5_version() {
  unsigned major = 0, minor = 0, release = 0;
  H5get_libversion(&major, &minor, &release);
  return fmt::format("{}.{}.{} (parallel)", major, minor, release);
}

std::string hwloc_version() {
  const unsigned v = hwloc_get_api_version();
  return fmt::format("{}.{}.{}", v >> 16, (v >> 8) & 0xff, v & 0xff);
}

std::string openblas_version() {
  std::string config = openblas_get_config();
  while (!config.empty() && config.back() == ' ') config.pop_back();
  return config;
}

}  // namespace

KeyValues library_versions() {
  KeyValues versions{
      {"tool_version", build_info::k_version},
      {"git_revision", build_info::k_git_revision},
      {"compiler", build_info::k_compiler},
      {"build_type", build_info::k_build_type},
      {"mpi_library", mpi_library_version()},
      {"hdf5", hdf5_version()},
      {"boost", fmt::format("{}.{}.{}", BOOST_VERSION / 100000, BOOST_VERSION / 100 % 1000, BOOST_VERSION % 100)},
      {"openblas", openblas_version()},
      {"hwloc_api", hwloc_version()},
      {"fmt", fmt::format("{}.{}.{}", FMT_VERSION / 10000, FMT_VERSION / 100 % 100, FMT_VERSION % 100)},
      {"nlohmann_json", fmt::format("{}.{}.{}", NLOHMANN_JSON_VERSION_MAJOR, NLOHMANN_JSON_VERSION_MINOR,
                                    NLOHMANN_JSON_VERSION_PATCH)},
  };
  for (auto& kv : backend_versions()) versions.push_back(std::move(kv));
  return versions;
}

KeyValues captured_environment() {
  static constexpr std::array<std::string_view, 8> prefixes{"NCCL_",     "CUDA_", "OMPI_", "UCX_",
                                                            "SLURM_",    "OPENBLAS_", "OMP_", "FLOPWALL_"};
  KeyValues out;
  for (char** e = environ; e && *e; ++e) {
    const std::string_view entry(*e);
    const auto eq = entry.find('=');
    if (eq == std::string_view::npos || eq == 0) continue;
    const std::string_view name = entry.substr(0, eq);
    if (name.find('/') != std::string_view::npos) continue;  // not a valid HDF5 attribute name
    if (std::any_of(prefixes.begin(), prefixes.end(), [&](std::string_view p) { return name.starts_with(p); }))
      out.emplace_back(std::string(name), std::string(entry.substr(eq + 1)));
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string utc_timestamp_iso() {
  return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", fmt::gmtime(std::chrono::system_clock::to_time_t(std::chrono::system_clock::now())));
}

std::string utc_timestamp_compact() {
  const auto now = std::chrono::system_clock::now();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  return fmt::format("{:%Y%m%dT%H%M%S}.{:03d}Z", fmt::gmtime(std::chrono::system_clock::to_time_t(now)), ms);
}

KeyValues backend_meta(std::string_view backend) {
  std::string libraries;
  for (const BackendEntry& b : backends())
    if (b.name == backend && b.compiled && b.versions)
      for (const auto& [name, version] : b.versions()) libraries += (libraries.empty() ? "" : ",") + name;
  return {{"backend_libraries", libraries}};
}

KeyValues slurm_job_meta() {
  // The first variable of each pair that is set: SLURM names some twice
  // (SLURM_JOB_NODELIST and the older SLURM_NODELIST).
  struct Source {
    const char* key;
    std::array<const char*, 2> variables;
  };
  static constexpr std::array<Source, 9> sources{{
      {"slurm_job_id", {"SLURM_JOB_ID", "SLURM_JOBID"}},
      {"slurm_array_job_id", {"SLURM_ARRAY_JOB_ID", nullptr}},
      {"slurm_array_task_id", {"SLURM_ARRAY_TASK_ID", nullptr}},
      {"slurm_step_id", {"SLURM_STEP_ID", "SLURM_STEPID"}},
      {"slurm_job_name", {"SLURM_JOB_NAME", nullptr}},
      {"slurm_partition", {"SLURM_JOB_PARTITION", nullptr}},
      {"slurm_nodelist", {"SLURM_JOB_NODELIST", "SLURM_NODELIST"}},
      {"slurm_nnodes", {"SLURM_JOB_NUM_NODES", "SLURM_NNODES"}},
      {"slurm_tasks_per_node", {"SLURM_TASKS_PER_NODE", "SLURM_STEP_TASKS_PER_NODE"}},
  }};
  KeyValues meta;
  for (const Source& s : sources)
    for (const char* variable : s.variables)
      if (variable)
        if (const char* v = std::getenv(variable)) {
          meta.emplace_back(s.key, v);
          break;
        }
  return meta;
}

KeyValues host_and_job_meta() {
  const HostInfo host = read_host_info();
  KeyValues meta{{"host_cpu_model", host.cpu_model},
                 {"host_cores", std::to_string(host.cores)},
                 {"host_numa_nodes", std::to_string(host.numa_nodes)},
                 {"host_memory_bytes", std::to_string(host.memory_bytes)}};
  for (auto& kv : slurm_job_meta()) meta.push_back(std::move(kv));
  return meta;
}

}  // namespace flopwall
