#pragma once
// The CUDA backend's Device: buffers in device memory, GEMMs through
// cuBLASLt, everything else through kernels/cuda, all on one compute stream.
#include <memory>

#include "platform/cuda/cuda_timer.hpp"
#include "backend/device.hpp"
#include "kernels/cuda/cuda_kernels.hpp"

namespace flopwall::cuda {

class CudaDevice;

// Binds to `device` (cudaSetDevice) and creates the streams; `policy` decides
// how long resolving an iteration may wait.
std::unique_ptr<CudaDevice> make_cuda_device(int device, DType dtype, WaitPolicy policy);

// The element type a buffer of this role has on the GPU for a run's --dtype
// (fp8 runs: e4m3 GEMM operands, bf16 everything else).
kernels::cuda::Element element_of(DType dtype, BufferRole role);

// The fp32 staging buffer `prepare` allocates while uploading: as large as
// the largest buffer that is not zero-filled (those are set by memset).
std::int64_t largest_staged_elements(const Plan& plan);

class CudaDevice : public Device {
 public:
  virtual cudaStream_t compute_stream() const noexcept = 0;
};

}  // namespace flopwall::cuda
