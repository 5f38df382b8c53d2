#pragma once
// Two kinds of failure, two exit codes: bad input the user can fix (exit 2)
// and a run-time failure (exit 1, whole job aborted).
#include <stdexcept>
#include <string>

namespace flopwall {

inline constexpr int k_exit_ok = 0;
inline constexpr int k_exit_runtime_error = 1;
inline constexpr int k_exit_usage_error = 2;
// `flopwall compare --fail-if-slower`: a run is significantly slower (a gate
// failed, not the tool; 1 as diff and cmp say "they differ").
inline constexpr int k_exit_regression = 1;

// Bad input: a value on the command line, in a config file, in the
// environment or in a trace file. The message is one line naming the value
// and what would be valid.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A run-time failure that every rank of the job has learned together (an
// agreed result, not a local exception): rank 0 says it once and every rank
// exits 1 without aborting, since no peer is left waiting.
class JobFailure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The rank of this process in MPI_COMM_WORLD once MPI is up, -1 before; the
// check macros put it into their messages.
int process_rank() noexcept;
void set_process_rank(int rank) noexcept;

// Builds "file:line: rank R: call failed: detail" for the per-library checks.
std::string failure_message(const char* file, int line, const char* call, const std::string& detail);

}  // namespace flopwall
