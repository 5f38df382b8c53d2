#include "platform/cuda/cuda_probe.hpp"

#include <fmt/format.h>
#include <nccl.h>

#include <cstdlib>

#include "platform/cuda/cuda_check.hpp"
#include "core/units.hpp"

namespace flopwall::cuda {
namespace {

std::string version_string(int v) { return v == 0 ? "none" : fmt::format("{}.{}", v / 1000, (v % 1000) / 10); }

int attribute(cudaDeviceAttr attr, int device) {
  int value = 0;
  return cudaDeviceGetAttribute(&value, attr, device) == cudaSuccess ? value : 0;
}

}  // namespace

Visibility probe_devices() {
  if (const char* visible = std::getenv("CUDA_VISIBLE_DEVICES"); visible && (*visible == '\0' || std::string(visible) == "-1"))
    return {0, fmt::format("CUDA_VISIBLE_DEVICES='{}' hides every device", visible)};
  int driver = 0, runtime = 0;
  cudaDriverGetVersion(&driver);
  cudaRuntimeGetVersion(&runtime);
  if (driver == 0) return {0, "no NVIDIA driver is installed or loaded (libcuda.so.1 not found)"};
  int count = 0;
  const cudaError_t err = cudaGetDeviceCount(&count);
  if (err == cudaErrorInsufficientDriver)
    return {0, fmt::format("the driver supports CUDA {} but this flopwall was built with CUDA {}; update the driver",
                           version_string(driver), version_string(runtime))};
  if (err != cudaSuccess) return {0, fmt::format("the CUDA runtime reports: {}", cudaGetErrorString(err))};
  if (count == 0) return {0, "the driver reports no CUDA devices"};
  return {count, ""};
}

KeyValues library_versions() {
  int driver = 0, runtime = 0, nccl = 0;
  cudaDriverGetVersion(&driver);
  cudaRuntimeGetVersion(&runtime);
  ncclGetVersion(&nccl);
  const std::size_t lt = cublasLtGetVersion();
  return {{"cuda_runtime", version_string(runtime)},
          {"cuda_driver", version_string(driver)},
          {"cublaslt", fmt::format("{}.{}.{}", lt / 10000, (lt / 100) % 100, lt % 100)},
          {"nccl", fmt::format("{}.{}.{}", nccl / 10000, (nccl / 100) % 100, nccl % 100)}};
}

std::string describe_device(int device) {
  cudaDeviceProp prop{};
  FLOPWALL_CUDA_CHECK(cudaGetDeviceProperties(&prop, device));
  int nccl = 0;
  ncclGetVersion(&nccl);
  return fmt::format("cuda: {} ({} SMs, {}, SM {} MHz, memory {} MHz x {}-bit, compute {}.{}), NCCL {}.{}.{}",
                     prop.name, prop.multiProcessorCount, units::bytes(static_cast<double>(prop.totalGlobalMem)),
                     attribute(cudaDevAttrClockRate, device) / 1000,
                     attribute(cudaDevAttrMemoryClockRate, device) / 1000,
                     attribute(cudaDevAttrGlobalMemoryBusWidth, device), prop.major, prop.minor, nccl / 10000,
                     (nccl / 100) % 100, nccl % 100);
}

std::string device_uuid(int device) {
  cudaDeviceProp prop{};
  FLOPWALL_CUDA_CHECK(cudaGetDeviceProperties(&prop, device));
  std::string uuid;
  for (char c : prop.uuid.bytes) uuid += fmt::format("{:02x}", static_cast<unsigned char>(c));
  return uuid;
}

}  // namespace flopwall::cuda
