#pragma once
// Chooses and builds a backend: the Device that computes and the
// Communicator that moves data between ranks. The seam each backend plugs into.
#include <memory>
#include <string>

#include "backend/device.hpp"
#include "collectives/communicator.hpp"
#include "runtime/mpi_environment.hpp"

namespace flopwall {

struct Backend {
  std::unique_ptr<Device> device;
  std::unique_ptr<Communicator> comm;  // declared last: torn down before the device's buffers
};

struct BackendRequest {
  std::string name;  // "cpu" or "cuda", as resolved
  DType dtype = DType::fp32;
  int threads = 1;          // cpu: OpenBLAS threads per rank
  double timeout_s = 300;   // cuda: longest wait for an iteration or a communicator
};

// Which backends this binary was built with, e.g. "cpu" or "cpu, cuda".
std::string compiled_backends();

// The backend to use for `requested` ("" = the default: cuda when built and a
// device is visible, else cpu). When the default falls back to cpu, `note`
// says why. Throws UsageError when a request cannot be honoured.
std::string resolve_backend(const std::string& requested, std::string& note);

// Collective over MPI_COMM_WORLD: binds devices, checks memory, creates the
// device and the communicators. Bad input (no device, too little memory, an
// unsupported dtype) is an agreed UsageError on every rank.
Backend make_backend(const BackendRequest& request, const Plan& plan, const MpiEnvironment& mpi,
                     const ParallelLayout& layout);

#if FLOPWALL_HAVE_CUDA
Backend make_cuda_backend(const BackendRequest& request, const Plan& plan, const MpiEnvironment& mpi,
                          const ParallelLayout& layout);
#endif

}  // namespace flopwall
