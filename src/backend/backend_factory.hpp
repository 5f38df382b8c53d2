#pragma once
// Chooses and builds the compute backend; the seam the CUDA backend plugs into.
#include <memory>
#include <string>

#include "backend/device.hpp"

namespace flopwall {

// Which backends this binary was built with, e.g. "cpu" or "cpu, cuda".
std::string compiled_backends();

// The backend to use for `requested` ("" = default). Throws UsageError when
// the request cannot be honoured, naming what is available.
std::string resolve_backend(const std::string& requested);

std::unique_ptr<Device> make_device(const std::string& backend, DType dtype, int threads);

}  // namespace flopwall
