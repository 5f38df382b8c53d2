#pragma once
// Chooses and builds a backend: the Device that computes and the
// Communicator that moves data between ranks. The seam each backend plugs into.
#include <memory>
#include <string>

#include "backend/device.hpp"
#include "transport/transport.hpp"
#include "runtime/communicator.hpp"
#include "platform/mpi_environment.hpp"

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

// resolve_backend on every rank, agreed: a bad request is an agreed
// UsageError, and when the default picks cuda on some ranks but not on
// others, every rank uses cpu (collectives must match). Collective over world.
std::string resolve_backend_everywhere(const std::string& requested, std::string& note);

// Collective over MPI_COMM_WORLD: binds devices, checks memory, creates the
// device and the communicators. Bad input (no device, too little memory, an
// unsupported dtype) is an agreed UsageError on every rank.
Backend make_backend(const BackendRequest& request, const Plan& plan, const MpiEnvironment& mpi,
                     const ParallelLayout& layout);

// The transport a collective sweep on `backend` uses: MPI for cpu, NCCL for
// cuda (binding this rank's GPU first). Collective over MPI_COMM_WORLD.
EngineFactory make_engine_factory(const std::string& backend, const MpiEnvironment& mpi, double timeout_s);

#if FLOPWALL_HAVE_CUDA
// Picks this rank's GPU (one visible: device 0; else local rank mod count),
// refuses two ranks on one GPU, and makes it current. Errors are agreed
// UsageErrors. Collective over MPI_COMM_WORLD.
int bind_cuda_device(const MpiEnvironment& mpi);
EngineFactory make_nccl_engine_factory(const MpiEnvironment& mpi, double timeout_s);
Backend make_cuda_backend(const BackendRequest& request, const Plan& plan, const MpiEnvironment& mpi,
                          const ParallelLayout& layout);
#endif

}  // namespace flopwall
