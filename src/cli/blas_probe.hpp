#pragma once
// The doctor's BLAS probe: times each candidate OpenBLAS kernel in a child
// (`flopwall gemm-probe`, cli/gemm_probe.hpp) started with OPENBLAS_CORETYPE
// set in its environment only, and checks its product. OpenBLAS reads the
// variable once, when it loads, and a name it does not accept silently falls
// back to its own choice (platform/blas_kernel.hpp), so a kernel counts as
// available only when the child reports it as the kernel it ran.
#include <optional>
#include <string>
#include <vector>

namespace flopwall {

// The largest error a kernel's sgemm may show, relative to Σ|a·b| of the
// checked entry, and still count as correct: fp32 sums of 8192 terms round
// to a few 1e-6 at most; a broken kernel is off by far more.
inline constexpr double k_probe_max_rel_error = 1e-4;

struct BlasProbeResult {
  std::string kernel;          // the OPENBLAS_CORETYPE the child was given
  std::string corename;        // the kernel the child ran (openblas_get_corename)
  bool available = false;      // corename equals kernel, case-insensitively
  double flops_per_s = 0.0;    // one thread's sgemm rate, size³
  double max_rel_error = 0.0;
  bool correct = false;        // max_rel_error ≤ k_probe_max_rel_error
  std::string error;           // why the child gave no figures; empty when it did
};

// Runs `exe gemm-probe --seconds S --size N` once per kernel, one at a time
// (so they do not share cores). The child's environment is this process'
// less OMPI_* and PMIX_* (a probe from a rank under mpirun is then a plain
// process) and with OPENBLAS_CORETYPE=<kernel> and OPENBLAS_NUM_THREADS=1.
std::vector<BlasProbeResult> probe_blas_kernels(const std::string& exe, const std::vector<std::string>& kernels,
                                                double seconds, int size);

// Rates within this fraction of the fastest count as a tie, settled by rank:
// a choice, not a measurement. SkylakeX and Cooperlake run the same sgemm
// code and differed by up to 3% within one probe on this project's 2-vCPU VM
// (while other builds shared it, one kernel's 1 s figure varied by a third
// between probes: a doctor on a busy node should say so, not trust a rank).
inline constexpr double k_probe_rate_tie = 0.05;

// The available, correct kernel with the highest rate; among those within
// k_probe_rate_tie of it, the first in `results` (probe_blas_kernels keeps
// the kernels' order: best first from openblas_candidate_kernels). nullopt
// when no kernel is available and correct.
std::optional<std::string> fastest_correct(const std::vector<BlasProbeResult>& results);

}  // namespace flopwall
