#pragma once
// What every MPI subcommand (run, collectives) shares: the MPI lifetime and
// its failure policy, the command line, and the output-file checks.
#include <functional>
#include <optional>
#include <string>

#include "runtime/mpi_environment.hpp"

namespace flopwall {

// Initialises MPI and runs `job`. A UsageError (agreed by every rank) is
// said once by rank 0 before anyone exits, exit 2; any other failure prints
// "rank R: message" and aborts the whole job, so no peer is left hanging.
int run_mpi_job(int argc, char** argv, const std::function<int(const MpiEnvironment&, const std::string&)>& job);

// Why `path` cannot receive an output file, or nothing.
std::optional<std::string> output_path_problem(const std::string& path);
// results/<UTC timestamp>-<what>.h5, creating results/ if needed.
std::string default_output_path(const std::string& what);

}  // namespace flopwall
