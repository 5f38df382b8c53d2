// Launch of the LayerNorm kernels (layernorm_kernels.cuh): the packed one
// whenever the rows allow it.
#include "kernels/cuda/layernorm_kernels.cuh"

namespace flopwall::kernels::cuda {
using namespace detail;

void layernorm(Element t, const void* x, const void* params, void* y, std::int64_t rows, std::int64_t cols,
               cudaStream_t stream) {
  dispatch_activation(t, [&](auto tag) {
    using T = decltype(tag);
    const auto kernel = packed_rows<T>(cols, {x, params, y}) ? layernorm_packed_kernel<T> : layernorm_kernel<T>;
    kernel<<<static_cast<unsigned>(rows), k_row_block, 0, stream>>>(static_cast<const T*>(x),
                                                                    static_cast<const T*>(params), static_cast<T*>(y),
                                                                    cols);
  });
  check_launch("layernorm");
}

}  // namespace flopwall::kernels::cuda
