#include "runtime/backend_factory.hpp"

#include <fmt/format.h>

#include "backend/cpu_device.hpp"
#include "transport/mpi/mpi_collective_engine.hpp"
#include "runtime/mpi_communicator.hpp"
#include "core/error.hpp"
#include "core/version.hpp"
#include "platform/mpi_check.hpp"
#if FLOPWALL_HAVE_CUDA
#include "platform/cuda/cuda_probe.hpp"
#endif

namespace flopwall {
namespace {

}  // namespace

std::string compiled_backends() { return build_info::k_have_cuda ? "cpu, cuda" : "cpu"; }

std::string resolve_backend(const std::string& requested, std::string& note) {
  if (requested == "cpu") return "cpu";
#if FLOPWALL_HAVE_CUDA
  if (requested == "cuda") return "cuda";
  if (requested.empty()) {
    const cuda::Visibility v = cuda::probe_devices();
    if (v.devices > 0) return "cuda";
    note = fmt::format("no CUDA device is visible ({}); using the cpu backend", v.why_none);
    return "cpu";
  }
#else
  if (requested.empty()) return "cpu";
  if (requested == "cuda")
    throw UsageError(
        "--backend cuda is not available: this flopwall was built without the CUDA backend; valid here: cpu");
#endif
  throw UsageError(fmt::format("--backend '{}' is not valid; valid: {}", requested, compiled_backends()));
}

EngineFactory make_engine_factory(const std::string& backend, const MpiEnvironment& mpi, double timeout_s) {
#if FLOPWALL_HAVE_CUDA
  if (backend == "cuda") return make_nccl_engine_factory(mpi, timeout_s);
#endif
  static_cast<void>(mpi);
  static_cast<void>(timeout_s);
  if (backend != "cpu") throw UsageError(fmt::format("--backend '{}' is not valid; valid: {}", backend, compiled_backends()));
  return [](MPI_Comm comm) -> std::unique_ptr<CollectiveEngine> { return std::make_unique<MpiCollectiveEngine>(comm); };
}

std::string resolve_backend_everywhere(const std::string& requested, std::string& note) {
  std::string backend;
  agreed(MPI_COMM_WORLD, [&] { backend = resolve_backend(requested, note); });
  int cuda_here = backend == "cuda" ? 1 : 0, cuda_everywhere = 0;
  FLOPWALL_MPI_CHECK(MPI_Allreduce(&cuda_here, &cuda_everywhere, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD));
  if (cuda_here && !cuda_everywhere) {
    note = "some ranks see no CUDA device; every rank uses the cpu backend";
    backend = "cpu";
  }
  return backend;
}

Backend make_backend(const BackendRequest& request, const Plan& plan, const MpiEnvironment& mpi,
                     const ParallelLayout& layout) {
#if FLOPWALL_HAVE_CUDA
  if (request.name == "cuda") return make_cuda_backend(request, plan, mpi, layout);
#endif
  if (request.name != "cpu")
    throw UsageError(fmt::format("--backend '{}' is not valid; valid: {}", request.name, compiled_backends()));
  Backend b;
  // The node's memory was checked before the plan was built (cli/input_limits.hpp, run_footprint).
  agreed(MPI_COMM_WORLD, [&] { b.device = make_cpu_device(request.dtype, request.threads); });
  b.comm = std::make_unique<MpiCommunicator>(MPI_COMM_WORLD, layout);
  return b;
}

}  // namespace flopwall
