#pragma once
// Runs a program as a child with an environment of its own and collects its
// stdout and stderr: posix_spawn, never fork after threads exist, and never
// setenv in this process (other threads, and OpenBLAS, read the environment).
#include <string>
#include <vector>

namespace flopwall {

struct ChildResult {
  std::string spawn_error;  // non-empty: the child never ran (posix_spawn's reason)
  bool timed_out = false;   // killed after the deadline
  int exit_code = -1;       // the child's exit status; -1 where it did not exit
  int signal = 0;           // the signal that ended it; 0 where it exited
  std::string out, err;     // everything it wrote to stdout and stderr
};

// `argv[0]` is the program's path. `environment` is the child's whole
// environment ("NAME=value" each). After `timeout_s` seconds the child is
// killed (SIGKILL) and reaped.
ChildResult run_child(const std::vector<std::string>& argv, const std::vector<std::string>& environment,
                      double timeout_s);

// This process' environment without the variables whose names start with one
// of `drop_prefixes` (a prefix ending in '=' drops exactly that name).
std::vector<std::string> environment_without(const std::vector<std::string>& drop_prefixes);

}  // namespace flopwall
