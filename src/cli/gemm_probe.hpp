#pragma once
// `flopwall gemm-probe --seconds S --size N`: a hidden subcommand that times
// one OpenBLAS kernel. The doctor (cli/blas_probe.hpp) starts it as a child
// with OPENBLAS_CORETYPE set, since OpenBLAS picks its kernel once, when it
// loads: a kernel can only be tried in a fresh process. It never initialises
// MPI and prints one JSON line:
//   {"corename": …, "size": N, "calls": k, "seconds": t, "flops_per_s": …, "max_rel_error": …}
#include <string>
#include <vector>

namespace flopwall {

// `args` excludes the program name and the subcommand. Bad arguments throw
// UsageError.
int gemm_probe_command(const std::vector<std::string>& args);

}  // namespace flopwall
