#pragma once
// What every MPI subcommand (run, collectives) shares: the MPI lifetime and
// its failure policy, the command line, and the output-file checks.
#include <functional>
#include <optional>
#include <string>

#include "platform/mpi_environment.hpp"

namespace flopwall {

// Initialises MPI and runs `job`. A UsageError (agreed by every rank) is
// said once by rank 0 before anyone exits, exit 2; a JobFailure (known to
// every rank) is said once by rank 0, exit 1; any other failure prints
// "rank R: message" and aborts the whole job, so no peer is left hanging.
int run_mpi_job(int argc, char** argv, const std::function<int(const MpiEnvironment&, const std::string&)>& job);

// Why `path` cannot receive an output file, or nothing: an empty or
// over-long name, a directory or other non-regular file (never replaced), an
// existing file without `overwrite`, a missing or read-only directory.
std::optional<std::string> output_path_problem(const std::string& path, bool overwrite);
// results/<UTC to the ms>[-j<SLURM job>[_<array task>]]-<random>-<what>.h5;
// unique per job and task. Creates nothing.
std::string default_output_path(const std::string& what);
// Creates the output's folder (results/ by default) just before the write,
// so that bad input never leaves an empty folder behind.
void create_output_directory(const std::string& path);

}  // namespace flopwall
