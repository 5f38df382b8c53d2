// The fuzzer runs `flopwall report` on one process: launched_with_peers()
// is false there, so the MPI path (cli/report_parallel.cpp, which needs the
// runtime floor) is never taken and is not compiled in.
#include <stdexcept>

#include "cli/report_parallel.hpp"

namespace flopwall {

int report_with_peers(int, char**, const std::string&, const std::string&, std::optional<std::size_t>,
                      const std::optional<std::string>&) {
  throw std::logic_error("the fuzzer does not run the report under mpirun");
}

}  // namespace flopwall
