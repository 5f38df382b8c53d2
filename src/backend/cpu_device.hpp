#pragma once
// The CPU backend: OpenBLAS GEMMs and the project's CPU kernels on host memory.
#include <memory>

#include "backend/device.hpp"

namespace flopwall {

// `blas_threads` OpenBLAS threads per rank (1 by default: one core per rank).
std::unique_ptr<Device> make_cpu_device(DType dtype, int blas_threads);

}  // namespace flopwall
