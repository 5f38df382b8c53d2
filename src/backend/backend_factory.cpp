#include "backend/backend_factory.hpp"

#include <fmt/format.h>

#include "backend/cpu_device.hpp"
#include "core/error.hpp"
#include "core/version.hpp"

namespace flopwall {

std::string compiled_backends() { return build_info::k_have_cuda ? "cpu, cuda" : "cpu"; }

std::string resolve_backend(const std::string& requested) {
  if (requested.empty() || requested == "cpu") return "cpu";
  if (requested == "cuda" && !build_info::k_have_cuda)
    throw UsageError(
        "--backend cuda is not available: this flopwall was built without the CUDA backend; valid here: cpu");
  throw UsageError(fmt::format("--backend '{}' is not valid; valid: {}", requested, compiled_backends()));
}

std::unique_ptr<Device> make_device(const std::string& backend, DType dtype, int threads) {
  if (backend == "cpu") return make_cpu_device(dtype, threads);
  throw UsageError(fmt::format("--backend '{}' is not valid; valid: {}", backend, compiled_backends()));
}

}  // namespace flopwall
