// Launch of the causal softmax kernels (softmax_kernels.cuh): the packed one
// whenever the rows allow it.
#include "kernels/cuda/softmax_kernels.cuh"

namespace flopwall::kernels::cuda {
using namespace detail;

void causal_softmax(Element t, void* scores, std::int64_t matrices, std::int64_t seq, cudaStream_t stream) {
  dispatch_activation(t, [&](auto tag) {
    using T = decltype(tag);
    const auto kernel = packed_rows<T>(seq, {scores}) ? causal_softmax_packed_kernel<T> : causal_softmax_kernel<T>;
    kernel<<<static_cast<unsigned>(matrices * seq), k_row_block, 0, stream>>>(static_cast<T*>(scores), seq);
  });
  check_launch("causal_softmax");
}

}  // namespace flopwall::kernels::cuda
