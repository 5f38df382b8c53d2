#pragma once
// What the CUDA runtime can see, asked without creating a context where
// possible: device count and why it is zero, versions, device names.
#include <string>

#include "core/key_values.hpp"

namespace flopwall::cuda {

struct Visibility {
  int devices = 0;
  std::string why_none;  // empty when devices > 0
};
Visibility probe_devices();

// cuda_runtime, cuda_driver, cublasLt, nccl versions for --version and /meta.
KeyValues library_versions();

// One line: name, SMs, memory, clocks, compute capability, NCCL version.
std::string describe_device(int device);
// A stable identity of a device (its UUID), to catch two ranks on one GPU.
std::string device_uuid(int device);

}  // namespace flopwall::cuda
