// make_damaged_trace CLASS GOOD.h5 OUT.h5 [SEED]: a damaged copy of a good
// trace, one class of damage at a time (make_damaged_trace --list names
// them). tests/integration/damaged_traces.sh feeds each to `flopwall report`.
#include <cstdio>
#include <exception>
#include <string>

#include "tools/trace_damage.hpp"

int main(int argc, char** argv) {
  using flopwall::damage::classes;
  if (argc == 2 && std::string(argv[1]) == "--list") {
    for (const auto& c : classes()) std::printf("%s %s %s\n", c.name, c.kind, c.what);
    return 0;
  }
  if (argc != 4 && argc != 5) {
    std::fputs("usage: make_damaged_trace CLASS GOOD.h5 OUT.h5 [SEED]\n       make_damaged_trace --list\n", stderr);
    return 2;
  }
  try {
    flopwall::damage::make_damaged(argv[2], argv[3], argv[1], argc == 5 ? std::stoull(argv[4]) : 1);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "make_damaged_trace: %s: %s\n", argv[1], e.what());
    return 1;
  }
  return 0;
}
