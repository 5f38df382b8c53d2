#pragma once
// One check macro per CUDA library: a failure throws with file:line, rank,
// the call text and the library's own error string.
#include <cublasLt.h>
#include <cuda_runtime_api.h>

#include <stdexcept>
#include <string>

#include "core/error.hpp"

#define FLOPWALL_CUDA_CHECK(call)                                                                          \
  do {                                                                                                     \
    const cudaError_t flopwall_cuda_rc_ = (call);                                                          \
    if (flopwall_cuda_rc_ != cudaSuccess)                                                                  \
      throw std::runtime_error(::flopwall::failure_message(__FILE__, __LINE__, #call,                      \
                                                           cudaGetErrorString(flopwall_cuda_rc_)));        \
  } while (0)

#define FLOPWALL_CUBLAS_CHECK(call)                                                                        \
  do {                                                                                                     \
    const cublasStatus_t flopwall_cublas_rc_ = (call);                                                     \
    if (flopwall_cublas_rc_ != CUBLAS_STATUS_SUCCESS)                                                      \
      throw std::runtime_error(::flopwall::failure_message(__FILE__, __LINE__, #call,                      \
                                                           cublasLtGetStatusString(flopwall_cublas_rc_)));   \
  } while (0)

// For destructors: never throws, ignores the result.
#define FLOPWALL_CUDA_CHECK_NOTHROW(call) static_cast<void>(call)
