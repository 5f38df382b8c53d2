// Launches of the MoE kernels (moe_kernels.cuh).
#include <algorithm>
#include <stdexcept>
#include <string>

#include "kernels/cuda/cuda_kernels.hpp"
#include "kernels/cuda/moe_kernels.cuh"

namespace flopwall::kernels::cuda {
namespace detail {
void check_launch(const char* kernel);
}  // namespace detail

namespace {
using namespace detail;
// A row or a token per block: the rows are a few KiB, one block moves one.
constexpr unsigned k_row_blocks_max = 65535;
unsigned row_grid(std::int64_t rows) {
  return static_cast<unsigned>(std::max<std::int64_t>(1, std::min<std::int64_t>(rows, k_row_blocks_max)));
}
}  // namespace

void topk_rows(Element t, const void* logits, void* out, std::int64_t rows, std::int64_t cols, std::int64_t k,
               cudaStream_t stream) {
  if (k > k_moe_max_topk)
    throw std::invalid_argument("moe top-k: k = " + std::to_string(k) + " is more than the kernel's " +
                                std::to_string(k_moe_max_topk));
  dispatch_activation(t, [&](auto tag) {
    using T = decltype(tag);
    topk_kernel<T><<<grid_for(rows, k_moe_block), k_moe_block, 0, stream>>>(
        static_cast<const T*>(logits), static_cast<T*>(out), rows, cols, static_cast<int>(k));
  });
  check_launch("moe_topk");
}

void gather_rows(Element t, const void* src, void* dst, const std::int64_t* index, std::int64_t count,
                 std::int64_t cols, cudaStream_t stream) {
  if (count == 0) return;
  dispatch_activation(t, [&](auto tag) {
    using T = decltype(tag);
    gather_rows_kernel<T><<<row_grid(count), k_moe_block, 0, stream>>>(static_cast<const T*>(src),
                                                                        static_cast<T*>(dst), index, count, cols);
  });
  check_launch("moe_gather_rows");
}

void moe_combine(Element t, const void* src, void* out, const std::int64_t* offsets, const std::int64_t* slots,
                 const float* weights, std::int64_t tokens, std::int64_t cols, cudaStream_t stream) {
  dispatch_activation(t, [&](auto tag) {
    using T = decltype(tag);
    combine_kernel<T><<<row_grid(tokens), k_moe_block, 0, stream>>>(static_cast<const T*>(src), static_cast<T*>(out),
                                                                     offsets, slots, weights, tokens, cols);
  });
  check_launch("moe_combine");
}

}  // namespace flopwall::kernels::cuda
