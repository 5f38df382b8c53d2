#pragma once
// The cuda backend's calibration: cuBLASLt GEMMs (backend/cuda/lt_gemm.hpp)
// per dtype, the triad kernel of kernels/cuda/triad.hpp over several L2
// caches, and a one-pack triad as the smallest op (a kernel launch), each
// timed with CUDA events on one stream of the current device.
#include "backend/device_calibration.hpp"

namespace flopwall::cuda {

// On the current device (cudaSetDevice first). A dtype the device has no
// GEMM algorithm for is left out, or, when the request names it, a
// UsageError naming it.
DeviceMeasurement measure_cuda_device(const CalibrationRequest& request);

}  // namespace flopwall::cuda
