// Launch of the STREAM triad (triad_kernels.cuh).
#include "kernels/cuda/triad.hpp"
#include "kernels/cuda/triad_kernels.cuh"

namespace flopwall::kernels::cuda {

void triad(float* a, const float* b, const float* c, float s, std::int64_t count, cudaStream_t stream) {
  using namespace detail;
  detail::triad_kernel<<<grid_for(count / Pack<float>::k_size + 1, k_triad_block), k_triad_block, 0, stream>>>(
      a, b, c, s, count);
  check_launch("triad");
}

}  // namespace flopwall::kernels::cuda
