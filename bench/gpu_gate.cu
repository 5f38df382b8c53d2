#include "bench/gpu_gate.hpp"

#include <stdexcept>
#include <string>

namespace flopwall::bench {
namespace {

__device__ std::uint64_t globaltimer_ns() {
  std::uint64_t t;
  asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t));
  return t;
}

// Volatile: every read goes to the host-mapped word the host will set.
__global__ void gate_kernel(volatile std::uint32_t* flag, std::uint64_t limit_ns) {
  const std::uint64_t start = globaltimer_ns();
  std::uint32_t outcome = 2;
  while (globaltimer_ns() - start < limit_ns)
    if (flag[0] != 0) {
      outcome = 1;
      break;
    }
  flag[1] = outcome;
  __threadfence_system();
}

}  // namespace

void launch_gate(volatile std::uint32_t* flag, std::uint64_t limit_ns, cudaStream_t stream) {
  gate_kernel<<<1, 1, 0, stream>>>(flag, limit_ns);
  if (const cudaError_t err = cudaGetLastError(); err != cudaSuccess)
    throw std::runtime_error(std::string("gate launch failed: ") + cudaGetErrorString(err));
}

}  // namespace flopwall::bench
