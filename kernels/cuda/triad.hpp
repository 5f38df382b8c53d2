#pragma once
// Host entry point of the CUDA STREAM triad (triad_kernels.cuh): the memory
// bandwidth figure of `flopwall calibrate` on the cuda backend. Device
// pointers, 16-byte aligned (cudaMalloc's are); enqueued on `stream`.
#include <cuda_runtime_api.h>

#include <cstdint>

namespace flopwall::kernels::cuda {

// a[i] = b[i] + s·c[i], fp32.
void triad(float* a, const float* b, const float* c, float s, std::int64_t count, cudaStream_t stream);

}  // namespace flopwall::kernels::cuda
